import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/database';
import { type SeededOrganisation, seedDemoOrganisation } from '../infra/demo-organisation';
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
});
