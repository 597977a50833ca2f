import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/database';
import { type SeededOrganisation, seedDemoOrganisation } from '../infra/demo-organisation';
import { startBridgeProcess } from '../infra/redis-rest-bridge/testing';
import { request } from '../infra/testing/api-harness';
import { type FunctionsProcess, startFunctionsProcess } from '../infra/testing/functions-process';

const BURST = 12;

/**
 * Three API processes (`functions/node.ts`, each its own OS process) with nothing in common but the database and one
 * Redis behind the REST bridge (a fourth process): a hub's bucket and an account's failure budget are one each, not
 * one per process. Requests go out all at once, spread over the three.
 */
describe('rate limits across three API processes sharing Redis', () => {
  let database: TestDatabase;
  let org: SeededOrganisation;
  let bridge: Awaited<ReturnType<typeof startBridgeProcess>>;
  let apis: FunctionsProcess[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    // The failure counters outlive the test database in the machine's Redis: emails of this run only.
    const run = crypto.randomUUID().slice(0, 8);
    org = await seedDemoOrganisation(database.db, { orgName: 'Limits Centre', slug: `limits-${run}`, residents: 3 });
    bridge = await startBridgeProcess();
    const env = {
      DATABASE_URL: database.url,
      // Each request names this run's own client address (see `client` below): the per-address counter lives in
      // the machine's Redis for 15 minutes, and 127.0.0.1's is shared with every other run and test file.
      TRUSTED_PROXIES: '127.0.0.1',
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: bridge.token,
      // No refill to speak of while the test runs: every 200 beyond the burst would be a process's own budget.
      INGEST_HUB_RATE_PER_SECOND: '0.01',
      INGEST_HUB_BURST: String(BURST),
      // Cold processes on a loaded 2-core machine can take longer than the default 300 ms to hear from Redis, and a
      // timeout allows the batch by design (core/limits/outage.test.ts tests that); here the count itself is tested.
      RATE_LIMIT_TIMEOUT_MS: '10000',
    };
    apis = await Promise.all([startFunctionsProcess(env), startFunctionsProcess(env), startFunctionsProcess(env)]);
  }, 60_000);
  afterAll(async () => {
    await Promise.all(apis.map((api) => api.stop()));
    await bridge?.close();
    await database?.drop();
  });

  /** This run's client address (a documentation-range IPv6 address, random per run), sent as X-Forwarded-For. */
  const client = {
    'x-forwarded-for': `2001:db8::${crypto.randomUUID().slice(0, 4)}:${crypto.randomUUID().slice(0, 4)}`,
  };

  /** `count` requests at once, the i-th to process i mod 3. */
  const spread = (count: number, send: (baseUrl: string) => Promise<{ status: number; headers: Headers }>) =>
    Promise.all(Array.from({ length: count }, (_, index) => send(apis[index % apis.length]?.url ?? '')));

  const heartbeat = (apiKey: string) => (baseUrl: string) =>
    request(baseUrl, 'POST', '/v1/ingest/events', {
      headers: { authorization: `Bearer ${apiKey}` },
      body: { events: [] },
    });

  test('a hub gets its burst in total, not per process; the rest are 429 with Retry-After', async () => {
    const [hub, otherHub] = org.hubs;
    if (!hub || !otherHub) throw new Error('two hubs needed');
    const responses = await spread(BURST * 4, heartbeat(hub.apiKey));
    const statuses = responses.map((response) => response.status);
    console.log('ingest across 3 processes', {
      sent: statuses.length,
      ok: statuses.filter((status) => status === 200).length,
      limited: statuses.filter((status) => status === 429).length,
    });
    expect(apis.flatMap((api) => api.lines.filter((line) => line.includes('rate limit unavailable')))).toEqual([]);
    expect(statuses.filter((status) => status === 200)).toHaveLength(BURST);
    expect(statuses.filter((status) => status === 429)).toHaveLength(BURST * 3);
    for (const response of responses.filter((r) => r.status === 429)) {
      expect(Number(response.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    }
    // Each process refuses too: the count is shared, not split.
    for (let process = 0; process < 3; process++) {
      expect(statuses.filter((status, index) => index % 3 === process && status === 429).length).toBeGreaterThan(0);
    }
    expect((await heartbeat(otherHub.apiKey)(apis[1]?.url ?? '')).status).toBe(200);
  });

  test('an account is locked after 5 failures in total, however many arrive at once on whichever process', async () => {
    const [account, other] = org.logins;
    if (!account || !other) throw new Error('two logins needed');
    const wrong = (baseUrl: string) =>
      request(baseUrl, 'POST', '/v1/auth/login', {
        headers: client,
        body: { email: account.email, password: 'wrong-password' },
      });
    const statuses = (await spread(30, wrong)).map((response) => response.status);
    console.log('login failures across 3 processes', {
      sent: statuses.length,
      passwordsChecked: statuses.filter((status) => status === 401).length,
      limited: statuses.filter((status) => status === 429).length,
    });
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(25);
    for (const api of apis) {
      const right = await request(api.url, 'POST', '/v1/auth/login', {
        headers: client,
        body: { email: account.email, password: account.password },
      });
      expect(right.status).toBe(429);
    }
    // The client address was charged only for the 5 failures: another account still logs in from it.
    const login = await request(apis[2]?.url ?? '', 'POST', '/v1/auth/login', {
      headers: client,
      body: { email: other.email, password: other.password },
    });
    expect(login.status).toBe(200);
  });
});
