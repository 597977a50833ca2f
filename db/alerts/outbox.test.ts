import { eq } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type SeededOrganisation, seedDemoOrganisation } from '../../infra/demo-organisation';
import { assignments, staff } from '../schema';
import { createTestDatabase, type TestDatabase } from '../testing/database';
import { ALERTS_CHANNEL, type AlertNotification } from './channel';
import { type RaiseAlertInput, raiseAlert } from './raise-alert';

describe('raiseAlert: alert, outbox deliveries and wake-up in one transaction', () => {
  let t: TestDatabase;
  let org: SeededOrganisation;
  let listener: postgres.Sql;
  const notifications: AlertNotification[] = [];

  const sos = (residentId: string): RaiseAlertInput => ({
    orgId: org.orgId,
    residentId,
    kind: 'sos',
    severity: 'critical',
    dedupKey: `${residentId}:sos`,
    title: 'Emergency button pressed',
    sourceEventId: 'evt-1',
    sourceEventTime: new Date(),
  });

  beforeAll(async () => {
    t = await createTestDatabase();
    org = await seedDemoOrganisation(t.db, { orgName: 'Outbox Centre', slug: 'outbox' });
    listener = postgres(t.url, { max: 1, onnotice: () => {} });
    await listener.listen(ALERTS_CHANNEL, (payload) => notifications.push(JSON.parse(payload) as AlertNotification));
  });
  afterAll(async () => {
    await listener.end();
    await t.drop();
  });

  test('a new alert gets pending deliveries for the first ladder step, with per-staff sequences', async () => {
    const residentId = org.residents[0]?.id ?? '';
    const raised = await t.sql.begin((tx) => raiseAlert(tx, sos(residentId)));
    expect(raised.created).toBe(true);
    // Critical step 1 = the resident's assignment with escalation order 1: exactly one caregiver.
    expect(raised.deliveries).toHaveLength(1);
    const [primary] = await t.db.select().from(assignments).where(eq(assignments.residentId, residentId));
    const assigned = await t.sql`
      select staff_id from assignments where resident_id = ${residentId} and escalation_order = 1`;
    expect(raised.deliveries[0]?.staffId).toBe(assigned[0]?.staff_id);
    expect(primary).toBeDefined();

    const [delivery] = await t.sql`select * from alert_deliveries where alert_id = ${raised.alertId}`;
    expect(delivery).toMatchObject({ state: 'pending', escalation_level: 0, seq: '1' });
    const history =
      await t.sql`select from_state, to_state from alert_delivery_history where delivery_id = ${delivery?.id}`;
    expect(history).toEqual([{ from_state: null, to_state: 'pending' }]);
    const [alert] = await t.sql`select status, next_escalation_at from alerts where id = ${raised.alertId}`;
    expect(alert?.status).toBe('open');
    expect(alert?.next_escalation_at).toBeInstanceOf(Date);

    await expect.poll(() => notifications.map((n) => n.alertId)).toContain(raised.alertId);
    // The wake-up names org and resident (the API's cache drops that profile) and carries the new delivery, so a
    // realtime node can claim it without looking it up.
    expect(notifications.find((n) => n.alertId === raised.alertId)).toEqual({
      alertId: raised.alertId,
      orgId: org.orgId,
      residentId,
      change: 'created',
      deliveries: [[delivery?.id, delivery?.staff_id, 1]],
    });
  });

  test('a matching event while open attaches instead of opening another alert', async () => {
    const residentId = org.residents[0]?.id ?? '';
    const again = await t.sql.begin((tx) => raiseAlert(tx, sos(residentId)));
    expect(again.created).toBe(false);
    expect(again.deliveries).toEqual([]);
    const rows = await t.sql`select event_count from alerts where dedup_key = ${`${residentId}:sos`}`;
    expect(rows).toEqual([{ event_count: 2 }]);
  });

  test('severity only rises while an alert stays open', async () => {
    const residentId = org.residents[1]?.id ?? '';
    const base = { orgId: org.orgId, residentId, kind: 'no_activity' as const, dedupKey: `${residentId}:no_activity` };
    const first = await t.sql.begin((tx) => raiseAlert(tx, { ...base, severity: 'medium', title: 'No activity 12 h' }));
    const raised = await t.sql.begin((tx) => raiseAlert(tx, { ...base, severity: 'high', title: 'No activity 18 h' }));
    const lowered = await t.sql.begin((tx) => raiseAlert(tx, { ...base, severity: 'low', title: 'ignored' }));
    await t.sql.begin((tx) => raiseAlert(tx, { ...base, severity: 'high', title: 'No activity 18 h' }));
    expect(raised.alertId).toBe(first.alertId);
    expect(raised.severity).toBe('high');
    expect(lowered.severity).toBe('high');
    const [alert] = await t.sql`select title from alerts where id = ${first.alertId}`;
    expect(alert?.title).toBe('No activity 18 h');
    // Dashboards are told the severity rose ('updated'); a repeat that changes nothing only 'attached'.
    await expect
      .poll(() => notifications.filter((n) => n.alertId === first.alertId).map((n) => n.change))
      .toEqual(['created', 'updated', 'attached', 'attached']);
  });

  test('rolled-back transactions leave no alert, delivery or sequence behind', async () => {
    const residentId = org.residents[2]?.id ?? '';
    const before = await t.sql`select id, delivery_seq from staff where org_id = ${org.orgId} order by id`;
    await expect(
      t.sql.begin(async (tx) => {
        await raiseAlert(tx, sos(residentId));
        throw new Error('crash before commit');
      }),
    ).rejects.toThrow('crash before commit');
    expect(await t.sql`select 1 from alerts where resident_id = ${residentId}`).toHaveLength(0);
    expect(await t.sql`select id, delivery_seq from staff where org_id = ${org.orgId} order by id`).toEqual(before);
  });

  test('a ladder step that names nobody is skipped at once: unassigned resident goes straight to managers', async () => {
    const residentId = org.residents[3]?.id ?? '';
    await t.db.delete(assignments).where(eq(assignments.residentId, residentId));
    const raised = await t.sql.begin((tx) => raiseAlert(tx, sos(residentId)));
    const people = await t.db.select({ id: staff.id, role: staff.role }).from(staff).where(eq(staff.orgId, org.orgId));
    const managers = people.filter((person) => person.role === 'manager').map((person) => person.id);
    expect(raised.deliveries.map((delivery) => delivery.staffId)).toEqual(managers);
    const [alert] = await t.sql`select escalation_level from alerts where id = ${raised.alertId}`;
    expect(alert?.escalation_level).toBe(2);
  });

  test('concurrent alerts for the same staff commit their sequences in order, without gaps or deadlocks', async () => {
    const residentIds = org.residents.map((resident) => resident.id);
    const kinds = ['fire', 'gas', 'fall'] as const;
    await Promise.all(
      residentIds.flatMap((residentId) =>
        kinds.map((kind) =>
          t.sql.begin((tx) =>
            raiseAlert(tx, {
              orgId: org.orgId,
              residentId,
              kind,
              severity: 'critical',
              dedupKey: `${residentId}:${kind}`,
              title: kind,
            }),
          ),
        ),
      ),
    );
    const rows = await t.sql<{ staff_id: string; seqs: string[]; last: string }[]>`
      select d.staff_id, array_agg(d.seq order by d.seq) as seqs, s.delivery_seq as last
        from alert_deliveries d join staff s on s.id = d.staff_id
       group by d.staff_id, s.delivery_seq`;
    for (const row of rows) {
      const seqs = row.seqs.map(Number);
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, index) => index + 1));
      expect(Number(row.last)).toBe(seqs.length);
    }
  });

  // Last: it adds managers and changes the ladder.
  test('a wake-up for more deliveries than fit in a NOTIFY carries none; they are all in the outbox', async () => {
    const residentId = org.residents[3]?.id ?? '';
    // 70 more managers, and a ladder whose first step is the managers: 70+ deliveries for one alert.
    await t.sql`
      insert into staff (org_id, name, email, role, password_hash)
      select ${org.orgId}, 'Manager ' || g, 'manager' || g || '@outbox.carewatch.test', 'manager', 'not-a-login'
        from generate_series(1, 70) g`;
    await t.sql`
      update escalation_policies set steps = ${JSON.stringify([{ notify: 'managers', waitSeconds: 60 }])}::text::jsonb
       where org_id = ${org.orgId} and severity = 'critical'`;
    const raised = await t.sql.begin((tx) => raiseAlert(tx, { ...sos(residentId), dedupKey: `${residentId}:many` }));
    expect(raised.deliveries.length).toBeGreaterThan(70);
    const [{ count } = { count: 0 }] = await t.sql<{ count: number }[]>`
      select count(*)::int as count from alert_deliveries where alert_id = ${raised.alertId} and state = 'pending'`;
    expect(count).toBe(raised.deliveries.length);
    await expect.poll(() => notifications.map((n) => n.alertId)).toContain(raised.alertId);
    expect(notifications.find((n) => n.alertId === raised.alertId)).toMatchObject({
      change: 'created',
      deliveries: null,
    });
  });
});
