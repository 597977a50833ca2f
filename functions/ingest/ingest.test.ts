import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hmacSha256 } from './hub-auth';
import { event, startIngestHarness } from './testing';

describe('POST /v1/ingest/events (Node server, real PostgreSQL)', () => {
  let h: Awaited<ReturnType<typeof startIngestHarness>>;
  beforeAll(async () => {
    h = await startIngestHarness();
  });
  afterAll(() => h.stop());

  test('a batch is stored; the same batch again is all duplicates with the same per-event answer', async () => {
    const hub = h.hub(0);
    const events = Array.from({ length: 50 }, (_, i) =>
      event(hub.device('activity'), 'activity', { secondsAgo: 100 - i, value: i }),
    );
    const body = { hub: { firmware: '1.2.3', batteryPct: 88, powerState: 'mains' }, events };

    const first = await h.post(hub.apiKey, body);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ accepted: 50, duplicates: 0, rejected: 0, alerts: [] });
    expect(first.body?.results.map((r) => r.eventId)).toEqual(events.map((e) => e.eventId));

    const retry = await h.post(hub.apiKey, body);
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ accepted: 0, duplicates: 50, rejected: 0 });
    expect(retry.body?.results.every((r) => r.status === 'duplicate')).toBe(true);

    const [count] = await h.database.sql<{ n: number }[]>`
      select count(*)::int as n from sensor_events where hub_id = ${hub.id}`;
    expect(count?.n).toBe(50);
    const [state] = await h.database.sql<{ firmware: string; battery_pct: number; seen_ago: number }[]>`
      select firmware, battery_pct, extract(epoch from now() - last_seen_at)::float8 as seen_ago
        from hubs where id = ${hub.id}`;
    expect(state).toMatchObject({ firmware: '1.2.3', battery_pct: 88 });
    expect(state?.seen_ago).toBeLessThan(60);
  });

  test('bad events are rejected with a reason while good ones in the same batch are accepted', async () => {
    const hub = h.hub(1);
    const otherHubDevice = h.hub(2).device('activity');
    const good = event(hub.device('door'), 'door_closed');
    const repeated = event(hub.device('activity'), 'activity');
    const events = [
      good,
      { ...event(hub.device('activity'), 'teleport') },
      event(otherHubDevice, 'activity'),
      event(hub.device('activity'), 'activity', { time: new Date(Date.now() + 3_600_000).toISOString() }),
      event(hub.device('activity'), 'activity', { time: '2020-01-01T00:00:00Z' }),
      { ...event(hub.device('activity'), 'activity'), time: 'yesterday' },
      { deviceId: hub.device('activity'), kind: 'activity', time: new Date().toISOString() },
      42,
      repeated,
      repeated,
    ];
    const response = await h.post(hub.apiKey, { events });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ accepted: 2, duplicates: 1, rejected: 7 });
    const results = response.body?.results ?? [];
    expect(results.map((r) => r.status)).toEqual([
      'accepted',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'rejected',
      'accepted',
      'duplicate',
    ]);
    expect(results[1]?.reason).toMatch(/kind/);
    expect(results[2]?.reason).toMatch(/not a device of this hub/);
    expect(results[3]?.reason).toMatch(/future/);
    expect(results[4]?.reason).toMatch(/past/);
    expect(results[5]?.reason).toMatch(/ISO-8601/);
    expect(results[6]).toMatchObject({ eventId: null, status: 'rejected' });
    const stored = await h.database.sql`select event_id from sensor_events where hub_id = ${hub.id}`;
    expect(stored.map((row) => row.event_id).sort()).toEqual([good.eventId, repeated.eventId].sort());
  });

  test('a device added after a batch is known to the very next batch', async () => {
    const hub = h.hub(2);
    expect((await h.post(hub.apiKey, { events: [event(hub.device('activity'), 'activity')] })).body?.accepted).toBe(1);
    const [device] = await h.database.sql<{ id: string }[]>`
      insert into devices (org_id, hub_id, kind, room) values (${h.org.orgId}, ${hub.id}, 'light', 'kitchen') returning id`;
    const response = await h.post(hub.apiKey, { events: [event(device?.id ?? '', 'light', { value: 300 })] });
    expect(response.body).toMatchObject({ accepted: 1, rejected: 0 });
  });

  test('a key rotated through the API is refused at once; the new key works', async () => {
    const hub = h.hub(1);
    const body = () => ({ events: [event(hub.device('activity'), 'activity')] });
    expect((await h.post(hub.apiKey, body())).status).toBe(200);
    const admin = h.org.logins.find((login) => login.role === 'admin');
    const login = await fetch(`${h.server.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: admin?.email, password: admin?.password }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const rotated = await fetch(`${h.server.url}/v1/hubs/${hub.id}/rotate-key`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(rotated.status).toBe(200);
    const { apiKey } = (await rotated.json()) as { apiKey: string };
    expect(apiKey).not.toBe(hub.apiKey);
    const old = await h.post(hub.apiKey, body());
    expect(old.status).toBe(401);
    expect(old.body?.code).toBe('UNAUTHORIZED');
    expect((await h.post(apiKey, body())).body).toMatchObject({ accepted: 1 });
  });

  test('authentication: missing or unknown key is 401; a hub never writes for another org', async () => {
    const body = { events: [event(h.hub(0).device('activity'), 'activity')] };
    const missing = await fetch(h.url, { method: 'POST', body: JSON.stringify(body) });
    expect(missing.status).toBe(401);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    const unknown = await h.post('cwh_not_a_key', body);
    expect(unknown.status).toBe(401);
    expect(unknown.body?.code).toBe('UNAUTHORIZED');
  });

  test('malformed batches are 400 problem+json; non-JSON media 415', async () => {
    const hub = h.hub(0);
    const notJson = await h.post(hub.apiKey, '{"events": [');
    expect(notJson.status).toBe(400);
    expect(notJson.body).toMatchObject({ code: 'BAD_REQUEST', status: 400 });
    const noEvents = await h.post(hub.apiKey, { hub: {} });
    expect(noEvents.status).toBe(400);
    const noEventArray = await h.post(hub.apiKey, { events: 'many' });
    expect(noEventArray.status).toBe(400);
    expect(JSON.stringify(noEventArray.body)).toContain('body.events');
    // A bad heartbeat field is left out and named; it never costs the batch (see odd-input.test.ts).
    const badHub = await h.post(hub.apiKey, { hub: { powerState: 'nuclear' }, events: [] });
    expect(badHub.status).toBe(200);
    expect(badHub.body?.ignored).toEqual([{ field: 'hub.powerState', reason: expect.any(String) }]);
    const media = await h.post(hub.apiKey, 'events=1', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(media.status).toBe(415);
  });

  test('more than 1,000 events or an oversized body is 413', async () => {
    const hub = h.hub(0);
    const many = Array.from({ length: 1001 }, () => event(hub.device('activity'), 'activity'));
    const tooMany = await h.post(hub.apiKey, { events: many });
    expect(tooMany.status).toBe(413);
    expect(tooMany.body?.code).toBe('PAYLOAD_TOO_LARGE');
    const huge = await rawPost(h.url, hub.apiKey, JSON.stringify({ events: [], padding: 'x'.repeat(1_100_000) }));
    expect(huge).toBe(413);
    // 1,000 events (well above the app's default 64 KiB limit) are fine.
    const thousand = Array.from({ length: 1000 }, (_, i) =>
      event(hub.device('activity'), 'activity', { secondsAgo: i, value: 1, payload: { room: 'living room' } }),
    );
    const ok = await h.post(hub.apiKey, { events: thousand });
    expect(ok.status).toBe(200);
    expect(ok.body?.accepted).toBe(1000);
  });

  test('a signed body is checked: right signature accepted, wrong one 401 and nothing stored', async () => {
    const hub = h.hub(3);
    const good = JSON.stringify({ events: [event(hub.device('activity'), 'activity')] });
    const signature = Buffer.from(await hmacSha256(hub.apiKey, new TextEncoder().encode(good))).toString('hex');
    const signed = await h.post(hub.apiKey, good, { 'x-carewatch-signature': `sha256=${signature}` });
    expect(signed.status).toBe(200);
    const tampered = good.replace('activity"', 'activity" ');
    const forged = await h.post(hub.apiKey, tampered.replace(/[0-9a-f]{8}-/, '00000000-'), {
      'x-carewatch-signature': `sha256=${signature}`,
    });
    expect(forged.status).toBe(401);
    const [count] = await h.database.sql<
      { n: number }[]
    >`select count(*)::int as n from sensor_events where hub_id = ${hub.id}`;
    expect(count?.n).toBe(1);
  });
});

describe('ingest rate limit', () => {
  let h: Awaited<ReturnType<typeof startIngestHarness>>;
  beforeAll(async () => {
    h = await startIngestHarness({ INGEST_HUB_RATE_PER_SECOND: '0.1', INGEST_HUB_BURST: '2' });
  });
  afterAll(() => h.stop());

  test('a hub past its burst gets 429 with Retry-After; another hub is unaffected', async () => {
    const hub = h.hub(0);
    const statuses: number[] = [];
    let retryAfter: string | null = null;
    for (let i = 0; i < 3; i++) {
      const response = await h.post(hub.apiKey, { events: [] });
      statuses.push(response.status);
      if (response.status === 429) retryAfter = response.headers.get('retry-after');
    }
    expect(statuses).toEqual([200, 200, 429]);
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1);
    expect((await h.post(h.hub(1).apiKey, { events: [] })).status).toBe(200);
  });
});

/** Status of a POST whose body the server may refuse before reading it all (fetch reports that as a socket error). */
function rawPost(url: string, apiKey: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${apiKey}`,
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(body),
      },
    });
    req.on('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.on('error', (error) => (req.writableEnded ? undefined : reject(error)));
    req.end(body);
  });
}
