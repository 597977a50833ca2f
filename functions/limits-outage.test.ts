import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort } from '../infra/redis-rest-bridge/testing';
import { type ApiHarness, startApiHarness } from '../infra/testing/api-harness';
import { event } from './ingest/testing';

/**
 * The API configured with a shared Redis that is not there (nothing listens at the REST URL): what the rate limits
 * do then (README "Rate limits"): ingest allows every batch, login falls back to this process's own counters.
 */
describe('rate limits with the shared Redis unreachable (a closed port)', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness({
      UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${await freePort()}`,
      UPSTASH_REDIS_REST_TOKEN: 'no-such-token',
      INGEST_HUB_RATE_PER_SECOND: '0.01',
      INGEST_HUB_BURST: '3',
      LOG_LEVEL: 'error',
    });
  });
  afterAll(() => h.stop());

  test('ingest fails open: a hub past its burst is still heard, and its emergency opens an alert', async () => {
    const hub = h.orgs.own.hubs[0];
    if (!hub) throw new Error('no hub');
    const post = (body: unknown) =>
      h.request<{ alerts: { kind: string }[] }>('POST', '/v1/ingest/events', {
        headers: { authorization: `Bearer ${hub.apiKey}` },
        body,
      });
    const heartbeats = [];
    for (let i = 0; i < 6; i++) heartbeats.push((await post({ events: [] })).status);
    expect(heartbeats).toEqual([200, 200, 200, 200, 200, 200]);
    const sos = await post({ events: [event(hub.devices.emergency_button ?? null, 'emergency_button')] });
    expect(sos.status).toBe(200);
    expect(sos.body.alerts).toEqual([expect.objectContaining({ kind: 'sos' })]);
  });

  test('login falls back to in-process counters: 5 failures, then 429 with Retry-After', async () => {
    const account = h.loginOf('own', 'caregiver2');
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const response = await h.request('POST', '/v1/auth/login', {
        body: { email: account.email, password: 'wrong-password' },
      });
      statuses.push(response.status);
      if (response.status === 429) expect(Number(response.headers.get('retry-after'))).toBeGreaterThan(0);
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    const other = h.loginOf('own', 'manager');
    expect(
      (await h.request('POST', '/v1/auth/login', { body: { email: other.email, password: other.password } })).status,
    ).toBe(200);
  });
});
