import { sign } from 'hono/jwt';
import * as v from 'valibot';
import { type Actor, staffRoles } from '../../db/actor';
import { hmacKey } from './hmac';

/** The only algorithm we issue and the only one we accept: an attacker cannot pick `none` or RS/HS confusion. */
export const ACCESS_TOKEN_ALG = 'HS256';
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

export { type StaffRole, staffRoles } from '../../db/actor';

const AccessClaims = v.object({
  sub: v.pipe(v.string(), v.uuid()),
  org: v.pipe(v.string(), v.uuid()),
  role: v.picklist(staffRoles),
  exp: v.pipe(v.number(), v.finite()),
  iat: v.pipe(v.number(), v.finite()),
  nbf: v.optional(v.pipe(v.number(), v.finite())),
});

/**
 * Checks an HS256 signature over a token's `header.payload`. The default (Web Crypto, so the API runs on Workers)
 * imports each secret's key once; a Node process may pass node:crypto's synchronous HMAC, which skips the thread
 * pool round trip (about a third of a dashboard connection's setup on the realtime node).
 */
export type Hs256Check = (
  secret: string,
  signingInput: string,
  signature: Uint8Array<ArrayBuffer>,
) => boolean | Promise<boolean>;

export const webCryptoHs256: Hs256Check = async (secret, signingInput, signature) =>
  crypto.subtle.verify('HMAC', await hmacKey(secret), signature, new TextEncoder().encode(signingInput));

/** Who is calling, as proven by a verified access token. Shared by the API and the realtime node. */
export interface StaffIdentity extends Actor {
  expiresAt: number;
}

export async function issueAccessToken(
  identity: Omit<StaffIdentity, 'expiresAt'>,
  secret: string,
  ttlSeconds = ACCESS_TOKEN_TTL_SECONDS,
  now = Math.floor(Date.now() / 1000),
): Promise<{ token: string; expiresAt: number }> {
  const expiresAt = now + ttlSeconds;
  const token = await sign(
    { sub: identity.staffId, org: identity.orgId, role: identity.role, iat: now, exp: expiresAt },
    await hmacKey(secret),
    ACCESS_TOKEN_ALG,
  );
  return { token, expiresAt };
}

const Header = v.object({ alg: v.literal(ACCESS_TOKEN_ALG), typ: v.optional(v.literal('JWT')) });
const BASE64URL = /^[A-Za-z0-9_-]*$/;

/**
 * Verifies algorithm (HS256 only, from the header: never `none`, never another), signature, expiry, issue time and
 * not-before, as hono's `verify` does; returns null for anything that is not a valid access token.
 */
export async function verifyAccessToken(
  token: string,
  secret: string,
  checkSignature: Hs256Check = webCryptoHs256,
  now = Math.floor(Date.now() / 1000),
): Promise<StaffIdentity | null> {
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [encodedHeader = '', encodedPayload = '', encodedSignature = ''] = parts;
  const header = decodeJson(encodedHeader);
  // `crit` names extensions a verifier must understand: we understand none (hono refuses it too).
  if (!v.is(Header, header) || 'crit' in header) return null;
  const signature = decodeBase64Url(encodedSignature);
  if (!signature || !(await signatureHolds(checkSignature, secret, `${encodedHeader}.${encodedPayload}`, signature))) {
    return null;
  }
  const payload = decodeJson(encodedPayload);
  const claims = v.safeParse(AccessClaims, payload);
  if (!claims.success) return null;
  const { sub, org, role, exp, iat, nbf } = claims.output;
  if (exp <= now || iat > now || (nbf !== undefined && nbf > now)) return null;
  return { staffId: sub, orgId: org, role, expiresAt: exp };
}

/** A check that throws (a key the runtime refused) is a signature that does not hold, never an exception. */
async function signatureHolds(
  check: Hs256Check,
  secret: string,
  signingInput: string,
  signature: Uint8Array<ArrayBuffer>,
): Promise<boolean> {
  try {
    return await check(secret, signingInput, signature);
  } catch {
    return false;
  }
}

function decodeBase64Url(text: string): Uint8Array<ArrayBuffer> | null {
  if (!BASE64URL.test(text)) return null;
  try {
    const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
    return Uint8Array.from(binary, (char) => char.charCodeAt(0));
  } catch {
    return null;
  }
}

function decodeJson(part: string): unknown {
  const bytes = decodeBase64Url(part);
  if (!bytes) return null;
  try {
    return JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes)) as unknown;
  } catch {
    return null;
  }
}
