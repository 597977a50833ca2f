import { randomUUID } from 'node:crypto';
import { type SeededOrganisation, seedDemoOrganisation } from '../../infra/demo-organisation';
import { startTestFunctions } from '../../infra/testing/functions';

/** A real functions server on its own database with one seeded organisation; typed helpers for hub requests. */
export async function startIngestHarness(overrides: Record<string, string> = {}, residents = 4) {
  const harness = await startTestFunctions({
    INGEST_HUB_RATE_PER_SECOND: '1000',
    INGEST_HUB_BURST: '1000',
    ...overrides,
  });
  const org = await seedDemoOrganisation(harness.database.db, {
    orgName: 'Ingest Test Centre',
    slug: 'ingest',
    residents,
  });
  const url = `${harness.server.url}/v1/ingest/events`;

  async function post(apiKey: string, body: unknown, headers: Record<string, string> = {}) {
    const response = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as IngestBody) : null };
  }

  return { ...harness, org, url, post, hub: (index = 0) => hubOf(org, index) };
}

export interface IngestBody {
  accepted: number;
  duplicates: number;
  rejected: number;
  results: { eventId: string | null; status: string; reason?: string }[];
  alerts: { alertId: string; kind: string; severity: string; created: boolean }[];
  cleared: { alertId: string; kind: string; resolved: boolean }[];
  ignored?: { field: string; reason: string }[];
  // problem+json fields when the request failed
  status?: number;
  code?: string;
  detail?: string;
}

function hubOf(org: SeededOrganisation, index: number) {
  const hub = org.hubs[index];
  if (!hub) throw new Error(`no hub ${index}`);
  const device = (kind: string) => {
    const id = hub.devices[kind];
    if (!id) throw new Error(`hub ${index} has no ${kind} device`);
    return id;
  };
  return { ...hub, device };
}

/** One event with a fresh id, stamped `secondsAgo` before now. */
export function event(
  deviceId: string | null,
  kind: string,
  extra: { value?: number; secondsAgo?: number; payload?: Record<string, unknown>; time?: string } = {},
) {
  return {
    eventId: randomUUID(),
    deviceId,
    kind,
    time: extra.time ?? new Date(Date.now() - (extra.secondsAgo ?? 0) * 1000).toISOString(),
    ...(extra.value === undefined ? {} : { value: extra.value }),
    ...(extra.payload ? { payload: extra.payload } : {}),
  };
}
