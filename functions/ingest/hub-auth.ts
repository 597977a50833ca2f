import type postgres from 'postgres';
import { hashHubKey } from '../../core/auth/hub-key';
import { timingSafeEqual } from '../../core/auth/password';
import type { OrganisationSettings } from '../../db/schema/organisations';
import type { ResidentThresholds } from '../../db/schema/people';
import { ApiError } from '../lib/problem';

/** Header carrying the optional body signature: `sha256=<hex HMAC-SHA256 of the raw body, keyed by the hub key>`. */
export const SIGNATURE_HEADER = 'x-carewatch-signature';

/** The calling hub, with what ingest needs about its home, loaded in one query. */
export interface HubContext {
  id: string;
  orgId: string;
  residentId: string | null;
  orgSettings: OrganisationSettings;
  thresholds: ResidentThresholds;
  /** Ids of the hub's own devices (lower-case): events may only name these. */
  devices: Set<string>;
}

/**
 * Finds the hub by the SHA-256 of its bearer key: one indexed query per batch, never cached, so a rotated or
 * deleted key is refused at once and threshold or settings edits apply to the next batch. 401 for a missing or
 * unknown key.
 */
export async function authenticateHub(
  sql: postgres.Sql,
  authorization: string | undefined,
): Promise<{ hub: HubContext; key: string }> {
  const match = /^Bearer\s+(\S+)$/i.exec(authorization ?? '');
  const key = match?.[1];
  if (!key) {
    throw new ApiError({
      code: 'UNAUTHORIZED',
      detail: 'Send the hub API key as "Authorization: Bearer <key>"',
      headers: { 'www-authenticate': 'Bearer realm="carewatch-hubs"' },
    });
  }
  const hub = await loadHub(sql, await hashHubKey(key));
  if (!hub) {
    throw new ApiError({
      code: 'UNAUTHORIZED',
      detail: 'Unknown hub API key',
      headers: { 'www-authenticate': 'Bearer realm="carewatch-hubs", error="invalid_token"' },
    });
  }
  return { key, hub };
}

async function loadHub(sql: postgres.Sql, hash: string): Promise<HubContext | undefined> {
  const [row] = await sql<
    {
      id: string;
      orgId: string;
      residentId: string | null;
      settings: OrganisationSettings | null;
      thresholds: ResidentThresholds | null;
      devices: string[];
    }[]
  >`
    select h.id, h.org_id as "orgId", h.resident_id as "residentId", o.settings, r.thresholds,
           array(select d.id::text from devices d where d.hub_id = h.id) as devices
      from hubs h
      join organisations o on o.id = h.org_id
      left join residents r on r.id = h.resident_id
     where h.api_key_hash = ${hash}`;
  if (!row) return undefined;
  return {
    id: row.id,
    orgId: row.orgId,
    residentId: row.residentId,
    orgSettings: row.settings ?? {},
    thresholds: row.thresholds ?? {},
    devices: new Set(row.devices),
  };
}

/**
 * Checks the optional body signature. Hubs behind proxies that may alter bodies sign them; a present but wrong
 * signature is a 401, so a corrupted batch is never stored.
 */
export async function verifyBodySignature(key: string, body: Uint8Array, header: string | undefined): Promise<void> {
  if (header === undefined) return;
  const match = /^sha256=([0-9a-f]{64})$/i.exec(header.trim());
  const expected = await hmacSha256(key, body);
  const given = match?.[1] ? hexToBytes(match[1]) : new Uint8Array();
  if (!timingSafeEqual(expected, given)) {
    throw new ApiError({
      code: 'UNAUTHORIZED',
      detail: `${SIGNATURE_HEADER} must be "sha256=<hex HMAC-SHA256 of the body keyed by the hub API key>"`,
    });
  }
}

export async function hmacSha256(key: string, body: Uint8Array): Promise<Uint8Array> {
  const cryptoKey = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(key),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign'],
  );
  return new Uint8Array(await crypto.subtle.sign('HMAC', cryptoKey, body as Uint8Array<ArrayBuffer>));
}

function hexToBytes(hex: string): Uint8Array {
  return Uint8Array.from(hex.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}
