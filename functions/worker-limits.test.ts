import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/database';
import { type SeededOrganisation, seedDemoOrganisation } from '../infra/demo-organisation';
import { startTestBridge } from '../infra/redis-rest-bridge/testing';
import { TEST_JWT_SECRET } from '../infra/testing/functions';
import { buildWorker } from '../infra/worker/build';

const BURST = 6;

/**
 * The Workers build in two workerd processes (two Miniflare instances: isolates that share no memory) over one
 * Redis: @upstash/ratelimit runs inside workerd, and a hub's bucket and an account's failure budget are one across
 * both isolates.
 */
describe('rate limits across two workerd isolates sharing Redis', () => {
  let database: TestDatabase;
  let bridge: Awaited<ReturnType<typeof startTestBridge>>;
  let outDir: string;
  let org: SeededOrganisation;
  let isolates: Miniflare[] = [];

  beforeAll(async () => {
    await mkdir('.wrangler', { recursive: true });
    outDir = await mkdtemp(join('.wrangler', 'test-worker-limits-'));
    const scriptPath = join(outDir, 'worker.js');
    [database, bridge] = await Promise.all([createTestDatabase(), startTestBridge(), buildWorker(scriptPath)]).then(
      ([db, br]) => [db, br] as const,
    );
    const run = crypto.randomUUID().slice(0, 8);
    org = await seedDemoOrganisation(database.db, { orgName: 'Edge Limits', slug: `edge-limits-${run}`, residents: 2 });
    const isolate = () =>
      new Miniflare({
        modules: true,
        scriptPath,
        compatibilityDate: '2026-04-01',
        compatibilityFlags: ['nodejs_compat'],
        bindings: {
          DATABASE_URL: database.url,
          JWT_SECRET: TEST_JWT_SECRET,
          LOG_LEVEL: 'error',
          UPSTASH_REDIS_REST_URL: bridge.url,
          UPSTASH_REDIS_REST_TOKEN: bridge.token,
          INGEST_HUB_RATE_PER_SECOND: '0.01',
          INGEST_HUB_BURST: String(BURST),
          RATE_LIMIT_TIMEOUT_MS: '10000',
        },
      });
    isolates = [isolate(), isolate()];
    await Promise.all(isolates.map((mf) => mf.ready));
  }, 120_000);

  afterAll(async () => {
    await Promise.all(isolates.map((mf) => mf.dispose()));
    await bridge?.close();
    await database?.drop();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  /** `count` requests at once, alternating between the two isolates. */
  const spread = (count: number, path: string, init: { headers: Record<string, string>; body: string }) =>
    Promise.all(
      Array.from({ length: count }, async (_, index) => {
        const mf = isolates[index % isolates.length];
        if (!mf) throw new Error('no isolate');
        const response = await mf.dispatchFetch(`http://carewatch.test${path}`, { method: 'POST', ...init });
        await response.arrayBuffer();
        return response.status;
      }),
    );

  test('a hub gets its burst once across both isolates', async () => {
    const hub = org.hubs[0];
    if (!hub) throw new Error('no hub');
    const statuses = await spread(BURST * 3, '/v1/ingest/events', {
      headers: { authorization: `Bearer ${hub.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ events: [] }),
    });
    expect(statuses.filter((status) => status === 200)).toHaveLength(BURST);
    expect(statuses.filter((status) => status === 429)).toHaveLength(BURST * 2);
  });

  test('an account is locked after 5 failures in total across both isolates', async () => {
    const account = org.logins[0];
    if (!account) throw new Error('no login');
    const statuses = await spread(16, '/v1/auth/login', {
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: account.email, password: 'wrong-password' }),
    });
    expect(statuses.filter((status) => status === 401)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(11);
  });
});
