import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/database';
import { type SeededOrganisation, seedDemoOrganisation } from '../infra/demo-organisation';
import { SWEEP_LOOK_LIMIT } from './dispatcher';
import { type RealtimeNode, startRealtimeNode } from './node';
import { injectSosAlert, stopInjectionServers, TestDashboard, testRealtimeConfig, tokenFor } from './testing';

let database: TestDatabase;
let node: RealtimeNode;
let org: SeededOrganisation;

beforeAll(async () => {
  database = await createTestDatabase();
  org = await seedDemoOrganisation(database.db, { orgName: 'Resend Centre', slug: 'resend' });
  node = await startRealtimeNode(
    testRealtimeConfig(database.url, { REALTIME_RESEND_SECONDS: '0.5', REALTIME_MAX_SENDS: '3' }),
  );
});

afterAll(async () => {
  await stopInjectionServers();
  await node.stop();
  await database.drop();
});

describe('re-sending is bounded', () => {
  test('a delivery never confirmed is sent REALTIME_MAX_SENDS times, then failed; the alert stays open', async () => {
    const carer = org.logins.find((entry) => entry.role === 'caregiver');
    if (!carer) throw new Error('seed has no caregiver');
    const who = { staffId: carer.staffId, orgId: org.orgId, role: carer.role };
    const [assignment] = await database.sql<{ residentId: string }[]>`
      select resident_id as "residentId" from assignments where staff_id = ${carer.staffId} and escalation_order = 1`;
    if (!assignment) throw new Error('no assignment');
    const dashboard = await TestDashboard.connect(node.wsUrl, await tokenFor(who));
    await dashboard.next('welcome');
    const raised = await injectSosAlert({ databaseUrl: database.url, org, residentId: assignment.residentId });
    const first = await dashboard.next('alert', (frame) => frame.alert.id === raised.alertId);

    await expect
      .poll(
        async () =>
          (
            await database.sql<{ state: string }[]>`select state from alert_deliveries where id = ${first.deliveryId}`
          )[0]?.state,
        { timeout: 15_000 },
      )
      .toBe('failed');
    expect(dashboard.of('alert').filter((frame) => frame.deliveryId === first.deliveryId)).toHaveLength(3);
    const [row] = await database.sql<{ sendCount: number; lastError: string; failed: boolean }[]>`
      select send_count as "sendCount", last_error as "lastError", failed_at is not null as failed
        from alert_deliveries where id = ${first.deliveryId}`;
    expect(row).toEqual({ sendCount: 3, lastError: 'no receipt after 3 sends', failed: true });
    const metrics = await (await fetch(`${node.url}/metrics`)).text();
    expect(metrics).toMatch(/^carewatch_realtime_deliveries_failed_total\{node="[^"]+"\} [1-9]\d*$/m);
    const history = await database.sql<{ step: string }[]>`
      select coalesce(from_state::text, '∅') || '→' || to_state as step from alert_delivery_history
       where delivery_id = ${first.deliveryId} order by id`;
    expect(history.map((entry) => entry.step)).toEqual([
      '∅→pending',
      'pending→sent',
      'sent→sent',
      'sent→sent',
      'sent→failed',
    ]);
    const [alert] = await database.sql<{ status: string; escalating: boolean }[]>`
      select status, next_escalation_at is not null as escalating from alerts where id = ${raised.alertId}`;
    expect(alert).toEqual({ status: 'open', escalating: true });

    // A failed delivery is still part of the record a resume replays, and can still be acknowledged.
    dashboard.send({ type: 'resume', lastSeq: first.seq - 1 });
    await dashboard.next('resumed');
    dashboard.send({ type: 'ack', deliveryId: first.deliveryId });
    const updated = await dashboard.next('alert.updated', (frame) => frame.alertId === raised.alertId);
    expect(updated.alert.status).toBe('acknowledged');
    await dashboard.close();
  });

  test('a re-send is not hidden behind more due deliveries than a sweep looks at (staff connected nowhere)', async () => {
    const carer = org.logins.find((entry) => entry.role === 'caregiver');
    const absent = org.logins.find((entry) => entry.role === 'manager');
    if (!carer || !absent) throw new Error('seed has no caregiver or manager');
    const [assignment] = await database.sql<{ residentId: string }[]>`
      select resident_id as "residentId" from assignments where staff_id = ${carer.staffId} and escalation_order = 1`;
    if (!assignment) throw new Error('no assignment');
    // Due before anything of ours, pending for someone with no dashboard open: a sweep's look by due time is full.
    const [other] = await database.sql<{ id: string }[]>`
      insert into alerts (org_id, resident_id, kind, severity, dedup_key, title)
      values (${org.orgId}, ${assignment.residentId}, 'fall', 'critical', 'sweep-look-limit', 'Fall detected')
      returning id`;
    await database.sql`
      insert into alert_deliveries (org_id, alert_id, staff_id, escalation_level, seq, state, next_send_at)
      select ${org.orgId}, ${other?.id ?? ''}, ${absent.staffId}, level, 1000000 + level, 'pending',
             now() - interval '1 minute'
        from generate_series(1, ${SWEEP_LOOK_LIMIT}) as level`;
    try {
      const dashboard = await TestDashboard.connect(
        node.wsUrl,
        await tokenFor({ staffId: carer.staffId, orgId: org.orgId, role: carer.role }),
      );
      await dashboard.next('welcome');
      const raised = await injectSosAlert({ databaseUrl: database.url, org, residentId: assignment.residentId });
      const first = await dashboard.next('alert', (frame) => frame.alert.id === raised.alertId);
      // Sent again by the sweep (no receipt), though SWEEP_LOOK_LIMIT due rows come before it.
      await expect
        .poll(() => dashboard.of('alert').filter((frame) => frame.deliveryId === first.deliveryId).length, {
          timeout: 10_000,
        })
        .toBeGreaterThanOrEqual(2);
      await dashboard.close();
    } finally {
      await database.sql`delete from alerts where id = ${other?.id ?? ''}`;
    }
  });
});
