import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freeLoopbackPort } from '../../db/embedded';
import { createTestDatabase, type TestDatabase } from '../../db/testing/database';
import { seedDemoOrganisation } from '../../infra/demo-organisation';
import { TEST_JWT_SECRET } from '../../infra/testing/functions';
import { buildWorker } from '../../infra/worker/build';
import { event } from './testing';

interface ScheduledFetcher {
  scheduled(options: { cron: string }): Promise<{ outcome: string }>;
}

/**
 * The same functions/worker.ts that wrangler deploys, bundled with esbuild (the one wrangler installs) and run in
 * workerd through miniflare against the test PostgreSQL (postgres.js over cloudflare:sockets, nodejs_compat).
 */
describe('ingest in workerd (miniflare)', () => {
  let database: TestDatabase;
  let mf: Miniflare;
  let org: Awaited<ReturnType<typeof seedDemoOrganisation>>;
  let outDir: string | undefined;

  beforeAll(async () => {
    database = await createTestDatabase();
    org = await seedDemoOrganisation(database.db, { orgName: 'Worker Centre', slug: 'worker' });
    // Inside the project: workerd resolves module paths relative to the working directory and refuses `..`.
    await mkdir('.wrangler', { recursive: true });
    outDir = await mkdtemp(join('.wrangler', 'test-ingest-worker-'));
    const scriptPath = join(outDir, 'worker.js');
    await buildWorker(scriptPath);
    mf = new Miniflare({
      modules: true,
      scriptPath,
      compatibilityDate: '2026-04-01',
      compatibilityFlags: ['nodejs_compat'],
      bindings: {
        DATABASE_URL: database.url,
        JWT_SECRET: TEST_JWT_SECRET,
        LOG_LEVEL: 'warn',
        INGEST_HUB_RATE_PER_SECOND: '100',
        INGEST_HUB_BURST: '100',
      },
    });
    await mf.ready;
  }, 120_000);
  afterAll(async () => {
    await mf?.dispose();
    await database?.drop();
    if (outDir) await rm(outDir, { recursive: true, force: true });
  });

  test('a batch with an emergency button press is stored and opens a critical SOS alert with its deliveries', async () => {
    const hub = org.hubs[0];
    if (!hub) throw new Error('no hub');
    const events = [
      event(hub.devices.activity ?? null, 'activity', { secondsAgo: 5 }),
      event(hub.devices.emergency_button ?? null, 'emergency_button', { secondsAgo: 1 }),
    ];
    const body = JSON.stringify({ hub: { batteryPct: 80, powerState: 'mains' }, events });
    const post = () =>
      mf.dispatchFetch('http://localhost/v1/ingest/events', {
        method: 'POST',
        headers: { authorization: `Bearer ${hub.apiKey}`, 'content-type': 'application/json' },
        body,
      });
    const response = await post();
    expect(response.status).toBe(200);
    const result = (await response.json()) as {
      accepted: number;
      alerts: { alertId: string; kind: string; severity: string; created: boolean }[];
    };
    expect(result).toMatchObject({ accepted: 2, alerts: [{ kind: 'sos', severity: 'critical', created: true }] });

    const retry = (await (await post()).json()) as { duplicates: number; alerts: unknown[] };
    expect(retry).toMatchObject({ duplicates: 2, alerts: [] });

    const alertId = result.alerts[0]?.alertId ?? '';
    const [alert] = await database.sql`select kind, severity, status, dedup_key from alerts where id = ${alertId}`;
    expect(alert).toMatchObject({
      kind: 'sos',
      severity: 'critical',
      status: 'open',
      dedup_key: `${hub.residentId}:sos`,
    });
    const deliveries = await database.sql`select state from alert_deliveries where alert_id = ${alertId}`;
    expect(deliveries.length).toBeGreaterThan(0);
  });

  test('with the database unreachable, ingest answers 503 problem+json with Retry-After', async () => {
    const hub = org.hubs[0];
    if (!hub) throw new Error('no hub');
    // A port nothing listens on: the connection is refused.
    const down = new Miniflare({
      modules: true,
      scriptPath: join(outDir ?? '', 'worker.js'),
      compatibilityDate: '2026-04-01',
      compatibilityFlags: ['nodejs_compat'],
      bindings: {
        DATABASE_URL: `postgres://carewatch:unused@127.0.0.1:${await freeLoopbackPort()}/carewatch`,
        JWT_SECRET: TEST_JWT_SECRET,
        LOG_LEVEL: 'error',
      },
    });
    try {
      const response = await down.dispatchFetch('http://localhost/v1/ingest/events', {
        method: 'POST',
        headers: { authorization: `Bearer ${hub.apiKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ events: [] }),
      });
      expect(response.status).toBe(503);
      expect(response.headers.get('retry-after')).toBe('2');
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(((await response.json()) as { code: string }).code).toBe('UNAVAILABLE');
    } finally {
      await down.dispose();
    }
  });

  test('the Cron Trigger handler runs the silence rules', async () => {
    const hub = org.hubs[1];
    if (!hub) throw new Error('no hub');
    await database.sql`update hubs set last_seen_at = now() - interval '2 hours' where id = ${hub.id}`;
    // Miniflare's Fetcher type omits scheduled(); the runtime object has it.
    const worker = (await mf.getWorker()) as unknown as ScheduledFetcher;
    const outcome = await worker.scheduled({ cron: '* * * * *' });
    expect(outcome.outcome).toBe('ok');
    const alerts = await database.sql`
      select severity, status from alerts where resident_id = ${hub.residentId} and kind = 'hub_offline'`;
    expect(alerts).toEqual([{ severity: 'medium', status: 'open' }]);
  });
});
