import { and, eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { alerts, organisations, residents, sensorEvents, staff } from './schema';
import { createTestDatabase, type TestDatabase } from './testing/database';

/** Postgres error code for unique violations. */
const UNIQUE_VIOLATION = '23505';

describe('constraints the database enforces', () => {
  let t: TestDatabase;
  let orgA: string;
  let orgB: string;
  let residentId: string;

  beforeAll(async () => {
    t = await createTestDatabase({ skipAlertAudit: 'constraint tests insert bare alert rows (no deliveries)' });
    const orgs = await t.db
      .insert(organisations)
      .values([{ name: 'A' }, { name: 'B' }])
      .returning();
    orgA = orgs[0]?.id ?? '';
    orgB = orgs[1]?.id ?? '';
    const [resident] = await t.db.insert(residents).values({ orgId: orgA, name: 'Kim' }).returning();
    residentId = resident?.id ?? '';
  });
  afterAll(() => t.drop());

  test('staff email is unique per organisation, not globally', async () => {
    const person = { name: 'Park', email: 'park@example.org', role: 'caregiver' as const, passwordHash: 'x' };
    await t.db.insert(staff).values({ ...person, orgId: orgA });
    await expect(t.db.insert(staff).values({ ...person, orgId: orgA })).rejects.toMatchObject({
      cause: { code: UNIQUE_VIOLATION, constraint_name: 'staff_org_email_key' },
    });
    await expect(t.db.insert(staff).values({ ...person, orgId: orgB })).resolves.toBeDefined();
  });

  test('only one unresolved alert per dedup key; a resolved one allows a new alert', async () => {
    const alert = {
      orgId: orgA,
      residentId,
      kind: 'sos' as const,
      severity: 'critical' as const,
      dedupKey: `${residentId}:sos`,
      title: 'SOS',
    };
    const [first] = await t.db.insert(alerts).values(alert).returning();
    await expect(t.db.insert(alerts).values(alert)).rejects.toMatchObject({
      cause: { code: UNIQUE_VIOLATION, constraint_name: 'alerts_open_dedup_key' },
    });
    await t.db
      .update(alerts)
      .set({ status: 'acknowledged' })
      .where(eq(alerts.id, first?.id ?? ''));
    await expect(t.db.insert(alerts).values(alert)).rejects.toMatchObject({ cause: { code: UNIQUE_VIOLATION } });
    await t.db
      .update(alerts)
      .set({ status: 'resolved', resolvedAt: new Date() })
      .where(eq(alerts.id, first?.id ?? ''));
    await expect(t.db.insert(alerts).values(alert)).resolves.toBeDefined();
    const rows = await t.db
      .select()
      .from(alerts)
      .where(and(eq(alerts.orgId, orgA), eq(alerts.dedupKey, alert.dedupKey)));
    expect(rows.map((row) => row.status).sort()).toEqual(['open', 'resolved']);
  });

  test('a sensor event is identified by (hub, event id, time): a retried insert is a duplicate', async () => {
    const event = {
      time: new Date('2026-11-01T10:00:00Z'),
      orgId: orgA,
      residentId,
      hubId: '00000000-0000-4000-8000-000000000001',
      kind: 'activity' as const,
      eventId: 'evt-1',
    };
    await t.db.insert(sensorEvents).values(event);
    await expect(t.db.insert(sensorEvents).values(event)).rejects.toMatchObject({
      cause: { code: UNIQUE_VIOLATION, constraint_name: 'sensor_events_hub_event_time_key' },
    });
    const retried = await t.db.insert(sensorEvents).values(event).onConflictDoNothing().returning();
    expect(retried).toHaveLength(0);
    // The same hub event id at another time is a different event (hubs may reuse counters after a reset).
    await expect(
      t.db.insert(sensorEvents).values({ ...event, time: new Date('2026-11-01T10:00:01Z') }),
    ).resolves.toBeDefined();
  });

  test('assignment escalation order must be positive', async () => {
    const [carer] = await t.db
      .insert(staff)
      .values({ orgId: orgA, name: 'Lee', email: 'lee@example.org', role: 'caregiver', passwordHash: 'x' })
      .returning();
    await expect(
      t.sql`insert into assignments (org_id, staff_id, resident_id, escalation_order) values (${orgA}, ${carer?.id ?? ''}, ${residentId}, 0)`,
    ).rejects.toMatchObject({ code: '23514' });
  });
});
