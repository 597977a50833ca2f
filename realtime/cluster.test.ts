import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createDeliveries } from '../db/alerts/deliveries';
import { notify } from '../db/alerts/notify';
import { createTestDatabase, type TestDatabase } from '../db/testing/database';
import { type SeededOrganisation, seedDemoOrganisation } from '../infra/demo-organisation';
import { type RealtimeNode, startRealtimeNode } from './node';
import {
  holdEscalation,
  injectSosAlert,
  stopInjectionServers,
  TestDashboard,
  testRealtimeConfig,
  tokenFor,
} from './testing';

let database: TestDatabase;
let org: SeededOrganisation;
const nodes: RealtimeNode[] = [];
const open: TestDashboard[] = [];

function login(role: 'manager' | 'caregiver', index = 0) {
  const person = org.logins.filter((entry) => entry.role === role)[index];
  if (!person) throw new Error(`no ${role}`);
  return { staffId: person.staffId, orgId: org.orgId, role: person.role };
}

async function startNode(name: string, overrides: Record<string, string> = {}) {
  const node = await startRealtimeNode(testRealtimeConfig(database.url, { NODE_ID: name, ...overrides }));
  nodes.push(node);
  return node;
}

async function dashboard(node: RealtimeNode, who: ReturnType<typeof login>) {
  const client = await TestDashboard.connect(node.wsUrl, await tokenFor(who));
  open.push(client);
  await client.next('welcome');
  return client;
}

let residentCursor = 0;
async function nextResidentOfCarer1(): Promise<string> {
  const rows = await database.sql<{ residentId: string }[]>`
    select resident_id as "residentId" from assignments
     where staff_id = ${login('caregiver', 0).staffId} and escalation_order = 1 order by resident_id`;
  const row = rows[residentCursor++];
  if (!row) throw new Error('out of residents');
  return row.residentId;
}

beforeAll(async () => {
  database = await createTestDatabase();
  org = await seedDemoOrganisation(database.db, { orgName: 'Cluster Centre', slug: 'cluster', residents: 12 });
  await database.sql`
    update escalation_policies set repeat = 1, steps = ${JSON.stringify([
      { notify: 'assigned', order: 1, waitSeconds: 2 },
      { notify: 'managers', waitSeconds: 2 },
    ])}::text::jsonb where org_id = ${org.orgId} and severity = 'critical'`;
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close()));
  await Promise.all(nodes.splice(0).map((node) => node.stop()));
});

afterAll(async () => {
  await stopInjectionServers();
  await database.drop();
});

describe('two realtime nodes on one database', () => {
  test('a dashboard on node B gets an alert created while only node A was awake', async () => {
    const a = await startNode('node-a');
    const raised = await injectSosAlert({ databaseUrl: database.url, org, residentId: await nextResidentOfCarer1() });
    // Node A has nobody to tell: the delivery stays pending in the database.
    const [pending] = await database.sql<{ state: string }[]>`
      select state from alert_deliveries where alert_id = ${raised.alertId}`;
    expect(pending?.state).toBe('pending');
    expect(a.registry.connections).toBe(0);

    const b = await startNode('node-b');
    const carer = await dashboard(b, login('caregiver'));
    const alert = await carer.next('alert', (frame) => frame.alert.id === raised.alertId);
    carer.send({ type: 'ack', deliveryId: alert.deliveryId });
    await carer.next('alert.updated', (frame) => frame.alertId === raised.alertId);
    const nodesInHistory = await database.sql<{ node: string }[]>`
      select distinct h.node_id as node from alert_delivery_history h
        join alert_deliveries d on d.id = h.delivery_id
       where d.alert_id = ${raised.alertId} and h.to_state in ('sent', 'acknowledged')`;
    expect(nodesInHistory.map((row) => row.node)).toEqual(['node-b']);
  });

  test('connections of one staff member on both nodes each get the alert exactly once', async () => {
    const a = await startNode('node-a');
    const b = await startNode('node-b');
    const onA = await dashboard(a, login('caregiver'));
    const onB = await dashboard(b, login('caregiver'));
    const raised = await injectSosAlert({ databaseUrl: database.url, org, residentId: await nextResidentOfCarer1() });
    const first = await onA.next('alert', (frame) => frame.alert.id === raised.alertId);
    const second = await onB.next('alert', (frame) => frame.alert.id === raised.alertId);
    expect(second.deliveryId).toBe(first.deliveryId);
    onA.send({ type: 'received', deliveryId: first.deliveryId });
    onB.send({ type: 'received', deliveryId: first.deliveryId });
    onA.send({ type: 'ack', deliveryId: first.deliveryId });
    await onA.next('alert.updated', (frame) => frame.alertId === raised.alertId);
    await onB.next('alert.updated', (frame) => frame.alertId === raised.alertId);
    for (const client of [onA, onB]) {
      expect(client.of('alert').filter((frame) => frame.alert.id === raised.alertId)).toHaveLength(1);
    }
  });

  test('a re-send reaches the staff member on every node, whichever node claimed it', async () => {
    // Only node A sweeps during this test, so A claims every re-send; B must still hand each one to its socket.
    // No escalation meanwhile: its wake-ups would let B claim a re-send of its own.
    await holdEscalation(database.sql, org.orgId, 2);
    const a = await startNode('node-a', { REALTIME_RESEND_SECONDS: '1' });
    const b = await startNode('node-b', { REALTIME_RESEND_SECONDS: '1', REALTIME_SWEEP_MS: '600000' });
    const onA = await dashboard(a, login('caregiver'));
    const onB = await dashboard(b, login('caregiver'));
    const raised = await injectSosAlert({ databaseUrl: database.url, org, residentId: await nextResidentOfCarer1() });
    const first = await onA.next('alert', (frame) => frame.alert.id === raised.alertId);
    await onB.next('alert', (frame) => frame.deliveryId === first.deliveryId);
    const copies = (client: TestDashboard) =>
      client.of('alert').filter((frame) => frame.deliveryId === first.deliveryId).length;

    // Neither dashboard confirms it: both keep getting it, not only the one on the node that re-sends.
    await expect.poll(() => copies(onA), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    await expect.poll(() => copies(onB), { timeout: 10_000 }).toBeGreaterThanOrEqual(3);
    onB.send({ type: 'received', deliveryId: first.deliveryId });
    await expect
      .poll(
        async () =>
          (
            await database.sql<{ state: string }[]>`select state from alert_deliveries where id = ${first.deliveryId}`
          )[0]?.state,
      )
      .toBe('delivered');
    // Each send is recorded once, by the node that claimed it; the other node's copies are not extra sends.
    const resends = await database.sql<{ node: string }[]>`
      select node_id as node from alert_delivery_history
       where delivery_id = ${first.deliveryId} and from_state = 'sent' and to_state = 'sent'`;
    expect(resends.length).toBeGreaterThanOrEqual(2);
    expect(new Set(resends.map((row) => row.node))).toEqual(new Set(['node-a']));
    onA.send({ type: 'ack', deliveryId: first.deliveryId });
    await onB.next('alert.updated', (frame) => frame.alertId === raised.alertId && frame.change === 'acknowledged');
  });

  test('an ack on node A stops escalation on node B and updates dashboards there', async () => {
    const a = await startNode('node-a');
    const b = await startNode('node-b');
    const carer = await dashboard(a, login('caregiver'));
    const manager = await dashboard(b, login('manager'));
    const raised = await injectSosAlert({ databaseUrl: database.url, org, residentId: await nextResidentOfCarer1() });
    const alert = await carer.next('alert', (frame) => frame.alert.id === raised.alertId);
    // Escalation reaches the manager on B; B's sweep and A's sweep both run, SKIP LOCKED keeps it to one step.
    const escalated = await manager.next('alert', (frame) => frame.alert.id === raised.alertId, 15_000);
    expect(escalated.alert.escalationLevel).toBe(1);
    carer.send({ type: 'ack', deliveryId: alert.deliveryId });
    const updated = await manager.next(
      'alert.updated',
      (frame) => frame.alertId === raised.alertId && frame.change === 'acknowledged',
    );
    expect(updated.by?.staffId).toBe(login('caregiver').staffId);
    // Escalation stopped: the only deadline left is the acknowledgement's (critical: 30 min).
    const [row] = await database.sql<{ ackTimeout: number | null; level: number }[]>`
      select extract(epoch from next_escalation_at - acknowledged_at)::int as "ackTimeout", escalation_level as level
        from alerts where id = ${raised.alertId}`;
    expect(row).toEqual({ ackTimeout: 30 * 60, level: 1 });
    const managerDeliveries = await database.sql<{ state: string }[]>`
      select d.state from alert_deliveries d where d.alert_id = ${raised.alertId} and d.staff_id = ${login('manager').staffId}`;
    expect(managerDeliveries).toEqual([{ state: 'superseded' }]);
    const levels = await database.sql<{ level: number; count: number }[]>`
      select escalation_level as level, count(*)::int as count from alert_deliveries
       where alert_id = ${raised.alertId} group by escalation_level order by escalation_level`;
    expect(levels).toEqual([
      { level: 0, count: 1 },
      { level: 1, count: 1 },
    ]);
  });
});

describe('wake-ups', () => {
  test('a wake-up without its deliveries (too many to carry) is looked up and sent at once, not at the sweep', async () => {
    // No sweep during the test: only the wake-up can bring the alert.
    const node = await startNode('lookup', { REALTIME_SWEEP_MS: '600000' });
    const carer = await dashboard(node, login('caregiver'));
    const staffId = login('caregiver').staffId;
    const residentId = await nextResidentOfCarer1();
    const alertId = await database.sql.begin(async (tx) => {
      const [alert] = await tx<{ id: string }[]>`
        insert into alerts (org_id, resident_id, kind, severity, dedup_key, title)
        values (${org.orgId}, ${residentId}, 'fall', 'high', ${`${residentId}:fall`}, 'Fall detected')
        returning id`;
      if (!alert) throw new Error('alert insert failed');
      await createDeliveries(tx, { alertId: alert.id, orgId: org.orgId, staffIds: [staffId], level: 0 });
      // The form a broadcast's wake-up takes: no deliveries in the payload.
      await notify(tx, { alertId: alert.id, change: 'created' });
      return alert.id;
    });
    const frame = await carer.next('alert', (alert) => alert.alert.id === alertId, 5_000);
    carer.send({ type: 'ack', deliveryId: frame.deliveryId });
    await carer.next('alert.updated', (update) => update.alertId === alertId);
  });
});
