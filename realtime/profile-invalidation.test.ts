import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Cache } from '../core/cache/cache';
import { guardedByGeneration } from '../core/cache/generation-guard';
import { residentProfileKey } from '../core/cache/keys';
import { createUpstashCache } from '../core/cache/upstash-cache';
import { createLogger } from '../core/logger';
import { acknowledgeDelivery } from '../db/alerts/acknowledge';
import { createTestDatabase, type TestDatabase } from '../db/testing/database';
import { type SeededOrganisation, seedDemoOrganisation } from '../infra/demo-organisation';
import { startBridgeProcess, startTestBridge } from '../infra/redis-rest-bridge/testing';
import { type RealtimeNode, startRealtimeNode } from './node';
import { injectSosAlert, stopInjectionServers, testRealtimeConfig } from './testing';

// A Workers deployment of the API cannot LISTEN: the realtime node, given the shared cache, keeps profiles fresh.
describe('realtime node with the shared (Upstash) cache configured', () => {
  let database: TestDatabase;
  let bridge: Awaited<ReturnType<typeof startTestBridge>>;
  let node: RealtimeNode;
  let org: SeededOrganisation;
  let cache: Cache;
  beforeAll(async () => {
    database = await createTestDatabase();
    org = await seedDemoOrganisation(database.db, { orgName: 'Invalidation Centre', slug: 'invalidate', residents: 3 });
    bridge = await startTestBridge();
    node = await startRealtimeNode(
      testRealtimeConfig(database.url, { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: bridge.token }),
    );
    cache = createUpstashCache({ url: bridge.url, token: bridge.token, logger: createLogger('test', 'error') });
  });
  afterAll(async () => {
    await stopInjectionServers();
    await node.stop();
    await bridge.close();
    await database.drop();
  });

  const cacheProfile = async (residentId: string) => {
    const key = residentProfileKey(org.orgId, residentId);
    await cache.readThrough(key, 30, async () => ({ residentId, openAlerts: [] }));
    expect(await cache.get(key)).toBeDefined();
    return key;
  };

  test('an alert raised through ingest, then acknowledged, each drops the cached profile', async () => {
    const residentId = org.residents[0]?.id ?? '';
    const key = await cacheProfile(residentId);
    // The injection's functions server has its own in-process cache: only the realtime node touches the shared one.
    const alert = await injectSosAlert({ databaseUrl: database.url, org, residentId });
    await expect.poll(() => cache.get(key), { timeout: 5_000 }).toBeUndefined();

    await cacheProfile(residentId);
    const [delivery] = await database.sql<{ id: string; staffId: string }[]>`
      select id, staff_id as "staffId" from alert_deliveries where alert_id = ${alert.alertId} limit 1`;
    if (!delivery) throw new Error('the alert has no delivery');
    const outcome = await acknowledgeDelivery(database.sql, {
      deliveryId: delivery.id,
      staffId: delivery.staffId,
      orgId: org.orgId,
      nodeId: 'test',
    });
    expect(outcome.outcome).toBe('acknowledged');
    await expect.poll(() => cache.get(key), { timeout: 5_000 }).toBeUndefined();
  });

  test("another resident's cached profile is left alone", async () => {
    const quiet = await cacheProfile(org.residents[1]?.id ?? '');
    await injectSosAlert({ databaseUrl: database.url, org, residentId: org.residents[2]?.id ?? '' });
    await expect.poll(() => cache.get(residentProfileKey(org.orgId, org.residents[2]?.id ?? ''))).toBeUndefined();
    expect(await cache.get(quiet)).toBeDefined();
  });
});

// Workers cannot LISTEN, so when the cache is away only the realtime node can record the missed invalidation.
describe('realtime node, the cache bridge killed while an alert changes', () => {
  let database: TestDatabase;
  let bridge: Awaited<ReturnType<typeof startBridgeProcess>>;
  let node: RealtimeNode;
  let org: SeededOrganisation;
  beforeAll(async () => {
    database = await createTestDatabase();
    org = await seedDemoOrganisation(database.db, { orgName: 'Outage Centre', slug: 'outage', residents: 1 });
    bridge = await startBridgeProcess();
    node = await startRealtimeNode(
      testRealtimeConfig(database.url, { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: bridge.token }),
    );
  });
  afterAll(async () => {
    await stopInjectionServers();
    await node?.stop();
    await bridge?.close();
    await database?.drop();
  });

  test('an alert acknowledged while the cache is away: the profile read once it is back is fresh', async () => {
    const residentId = org.residents[0]?.id ?? '';
    const alert = await injectSosAlert({ databaseUrl: database.url, org, residentId });
    // What a Workers API does: the guarded shared cache, and no LISTEN of its own.
    const reader = guardedByGeneration(
      createUpstashCache({ url: bridge.url, token: bridge.token, logger: createLogger('test', 'error') }),
      database.sql,
      createLogger('test', 'error'),
    );
    const statusOfAlert = async () => {
      const [row] = await database.sql<{ status: string }[]>`select status from alerts where id = ${alert.alertId}`;
      return { status: row?.status };
    };
    const key = residentProfileKey(org.orgId, residentId);
    expect(await reader.readThrough(key, 30, statusOfAlert)).toEqual({ value: { status: 'open' }, hit: false });
    expect(await reader.readThrough(key, 30, statusOfAlert)).toEqual({ value: { status: 'open' }, hit: true });
    const generation = async () => {
      const [row] = await database.sql<{ generation: number }[]>`
        select cache_generation as generation from organisations where id = ${org.orgId}`;
      return row?.generation ?? 0;
    };
    const before = await generation();
    await bridge.kill();
    const [delivery] = await database.sql<{ id: string; staffId: string }[]>`
      select id, staff_id as "staffId" from alert_deliveries where alert_id = ${alert.alertId} limit 1`;
    if (!delivery) throw new Error('the alert has no delivery');
    const outcome = await acknowledgeDelivery(database.sql, {
      deliveryId: delivery.id,
      staffId: delivery.staffId,
      orgId: org.orgId,
      nodeId: 'test',
    });
    expect(outcome.outcome).toBe('acknowledged');
    // The node got the NOTIFY and could not reach the cache: it recorded that in PostgreSQL.
    await expect.poll(generation, { timeout: 10_000 }).toBeGreaterThan(before);
    await bridge.restart();
    expect(await reader.readThrough(key, 30, statusOfAlert)).toEqual({ value: { status: 'acknowledged' }, hit: false });
  });
});
