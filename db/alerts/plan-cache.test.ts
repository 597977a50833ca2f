import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type SeededOrganisation, seedDemoOrganisation } from '../../infra/demo-organisation';
import { createDatabase } from '../client';
import { createTestDatabase, type TestDatabase } from '../testing/database';
import { lockResidentAlerts } from './lock-resident-alerts';
import { markDeliveredMany } from './outstanding';
import { raiseAlert } from './raise-alert';
import { alertSnapshots } from './snapshot';

/**
 * The statements the realtime node runs for every alert (the frame's snapshot, the receipt) keep PostgreSQL's generic
 * plan when they get one id, as they usually do: with an array parameter PostgreSQL planned them again on every
 * execution, and that planning took longer than running them. Counted by the connection's own plan cache.
 */
describe('plan cache of the per-alert statements', () => {
  let t: TestDatabase;
  let org: SeededOrganisation;

  beforeAll(async () => {
    t = await createTestDatabase();
    org = await seedDemoOrganisation(t.db, { orgName: 'Plan Cache Centre', slug: 'plan-cache', residents: 18 });
  });
  afterAll(() => t.drop());

  async function raise(residentIndex: number) {
    const residentId = org.residents[residentIndex]?.id ?? '';
    const raised = await t.sql.begin((tx) =>
      raiseAlert(tx, {
        orgId: org.orgId,
        residentId,
        kind: 'sos',
        severity: 'critical',
        dedupKey: `${residentId}:sos`,
        title: 'Emergency button pressed',
      }),
    );
    const [delivery] = raised.deliveries;
    if (!delivery) throw new Error('no delivery');
    return { alertId: raised.alertId, deliveryId: delivery.id, staffId: delivery.staffId };
  }

  /** Plans this connection made for its prepared statements whose text contains `marker`. */
  async function plansOf(connection: TestDatabase['sql'], marker: string) {
    const [row] = await connection<{ generic: number; custom: number }[]>`
      select coalesce(sum(generic_plans), 0)::int as generic, coalesce(sum(custom_plans), 0)::int as custom
        from pg_prepared_statements where statement like ${`%${marker}%`} and statement not like '%pg_prepared%'`;
    return row ?? { generic: 0, custom: 0 };
  }

  test('one alert at a time: snapshots and receipts are planned a few times, then run on the generic plan', async () => {
    const raised = [];
    for (let index = 0; index < 10; index++) raised.push(await raise(index));
    const connection = await t.sql.reserve();
    try {
      for (const alert of raised) {
        const snapshots = await alertSnapshots(connection, [alert.alertId]);
        expect(snapshots.get(alert.alertId)?.status).toBe('open');
        const receipt = { deliveryId: alert.deliveryId, staffId: alert.staffId, orgId: org.orgId };
        expect(await markDeliveredMany(connection, [receipt], 'node-plan')).toEqual(['delivered']);
      }
      for (const marker of ["'residentName', r.name", "set state = 'delivered'"]) {
        const plans = await plansOf(connection, marker);
        expect(plans.generic + plans.custom).toBe(10);
        // PostgreSQL tries five custom plans before it compares them with the generic one.
        expect(plans.custom).toBeLessThanOrEqual(5);
      }
    } finally {
      connection.release();
    }
  });

  test('several at once still go by array, with the same answers', async () => {
    const first = await raise(10);
    const second = await raise(11);
    const snapshots = await alertSnapshots(t.sql, [first.alertId, second.alertId, first.alertId]);
    expect([...snapshots.keys()].sort()).toEqual([first.alertId, second.alertId].sort());
    const results = await markDeliveredMany(
      t.sql,
      [
        { deliveryId: first.deliveryId, staffId: first.staffId, orgId: org.orgId },
        { deliveryId: second.deliveryId, staffId: randomUUID(), orgId: org.orgId },
        { deliveryId: first.deliveryId, staffId: first.staffId, orgId: org.orgId },
      ],
      'node-plan',
    );
    // The second names the wrong staff member: as good as unknown. The first, confirmed twice in one batch, is
    // delivered once.
    expect(results).toEqual(['delivered', 'unknown', 'delivered']);
  });

  test('the lock an ingest batch takes first is never planned per batch (its estimate kept a custom plan)', async () => {
    const single = createDatabase(t.url, { max: 1, applicationName: 'carewatch-test lock plans' });
    try {
      for (const resident of org.residents.slice(0, 7)) {
        await single.sql.begin((tx) => lockResidentAlerts(tx, { orgId: org.orgId, residentId: resident.id }));
      }
      expect(await plansOf(single.sql, 'open_alerts as materialized')).toEqual({ generic: 7, custom: 0 });
      const [setting] = await single.sql<{ mode: string }[]>`select current_setting('plan_cache_mode') as mode`;
      expect(setting?.mode).toBe('auto');
    } finally {
      await single.close();
    }
  });

  test("a pool made for generic plans (the channel sender's) never plans an array statement per execution", async () => {
    const raised = [];
    for (let index = 12; index < 18; index++) raised.push(await raise(index));
    const generic = createDatabase(t.url, { max: 1, applicationName: 'carewatch-test generic', genericPlans: true });
    try {
      const [setting] = await generic.sql<{ mode: string }[]>`select current_setting('plan_cache_mode') as mode`;
      expect(setting?.mode).toBe('force_generic_plan');
      for (const alert of raised) {
        // Two ids: with the server's default setting, a custom plan every time.
        const snapshots = await alertSnapshots(generic.sql, [alert.alertId, randomUUID()]);
        expect(snapshots.get(alert.alertId)?.status).toBe('open');
      }
      const plans = await plansOf(generic.sql, "'residentName', r.name");
      expect(plans).toEqual({ generic: 6, custom: 0 });
    } finally {
      await generic.close();
    }
  });
});
