import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createDeliveries } from '../db/alerts/deliveries';
import { claimDeliveries } from '../db/alerts/outstanding';
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
let node: RealtimeNode;
let org: SeededOrganisation;
const open: TestDashboard[] = [];

function login(role: 'admin' | 'manager' | 'caregiver', index = 0) {
  const person = org.logins.filter((entry) => entry.role === role)[index];
  if (!person) throw new Error(`no ${role} ${index}`);
  return { staffId: person.staffId, orgId: org.orgId, role: person.role };
}
const carer1 = () => login('caregiver', 0);
const carer2 = () => login('caregiver', 1);

async function dashboard(who: { staffId: string; orgId: string; role: 'admin' | 'manager' | 'caregiver' }) {
  const client = await TestDashboard.connect(node.wsUrl, await tokenFor(who));
  open.push(client);
  await client.next('welcome');
  return client;
}

/** Resident whose primary (escalation order 1) caregiver is `carer1`. */
async function residentOfCarer1(): Promise<string> {
  const [row] = await database.sql<{ residentId: string }[]>`
    select resident_id as "residentId" from assignments
     where staff_id = ${carer1().staffId} and escalation_order = 1
       and resident_id not in (select resident_id from alerts where status <> 'resolved')
     limit 1`;
  if (!row) throw new Error('no free resident for carer1');
  return row.residentId;
}

async function deliveryRow(id: string) {
  const [row] = await database.sql<
    {
      state: string;
      sentAt: number | null;
      deliveredAt: number | null;
      acknowledgedAt: number | null;
      sendCount: number;
    }[]
  >`select state, send_count as "sendCount", extract(epoch from sent_at)::float8 as "sentAt",
           extract(epoch from delivered_at)::float8 as "deliveredAt",
           extract(epoch from acknowledged_at)::float8 as "acknowledgedAt"
      from alert_deliveries where id = ${id}`;
  return row;
}

async function history(id: string) {
  const rows = await database.sql<{ from: string | null; to: string }[]>`
    select from_state as from, to_state as to from alert_delivery_history where delivery_id = ${id} order by id`;
  return rows.map((row) => `${row.from ?? '∅'}→${row.to}`);
}

beforeAll(async () => {
  database = await createTestDatabase();
  org = await seedDemoOrganisation(database.db, { orgName: 'Delivery Centre', slug: 'delivery', residents: 30 });
  // Short ladder so escalation can be watched: carer of order 1, then every assigned carer, then managers.
  await database.sql`
    update escalation_policies set repeat = 1, steps = ${JSON.stringify([
      { notify: 'assigned', order: 1, waitSeconds: 2 },
      { notify: 'assigned', waitSeconds: 2 },
      { notify: 'managers', waitSeconds: 2 },
    ])}::text::jsonb where org_id = ${org.orgId} and severity = 'critical'`;
  node = await startRealtimeNode(testRealtimeConfig(database.url, { REALTIME_RESEND_SECONDS: '1' }));
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close()));
});

afterAll(async () => {
  await stopInjectionServers();
  await node.stop();
  await database.drop();
});

describe('delivery, receipt and acknowledgement', () => {
  test('an SOS reaches the assigned caregiver; receipt and ack are recorded with timestamps and history', async () => {
    const carer = await dashboard(carer1());
    const other = await dashboard(carer2());
    const residentId = await residentOfCarer1();

    const raised = await injectSosAlert({ databaseUrl: database.url, org, residentId });
    const alert = await carer.next('alert', (frame) => frame.alert.id === raised.alertId);
    expect(alert.alert).toMatchObject({ residentId, kind: 'sos', severity: 'critical', status: 'open' });
    expect(alert.seq).toBeGreaterThan(0);
    expect((await deliveryRow(alert.deliveryId))?.state).toBe('sent');

    carer.send({ type: 'received', deliveryId: alert.deliveryId });
    await expect.poll(async () => (await deliveryRow(alert.deliveryId))?.state).toBe('delivered');

    carer.send({ type: 'ack', deliveryId: alert.deliveryId });
    const updated = await carer.next('alert.updated', (frame) => frame.alertId === raised.alertId);
    expect(updated).toMatchObject({ change: 'acknowledged', by: { staffId: carer1().staffId } });
    expect(updated.alert).toMatchObject({ status: 'acknowledged', acknowledgedBy: carer1().staffId });

    const row = await deliveryRow(alert.deliveryId);
    expect(row).toMatchObject({ state: 'acknowledged' });
    expect(row?.sentAt).toEqual(expect.any(Number));
    expect(row?.deliveredAt).toBeGreaterThanOrEqual(row?.sentAt ?? Number.NaN);
    expect(row?.acknowledgedAt).toBeGreaterThanOrEqual(row?.deliveredAt ?? Number.NaN);
    expect(await history(alert.deliveryId)).toEqual([
      '∅→pending',
      'pending→sent',
      'sent→delivered',
      'delivered→acknowledged',
    ]);
    // Escalation stopped; what remains is the acknowledgement's deadline (critical: 30 min), when it re-triggers.
    const [stored] = await database.sql<{ status: string; by: string; ackTimeout: number | null }[]>`
      select status, acknowledged_by as by, extract(epoch from next_escalation_at - acknowledged_at)::int as "ackTimeout"
        from alerts where id = ${raised.alertId}`;
    expect(stored).toEqual({ status: 'acknowledged', by: carer1().staffId, ackTimeout: 30 * 60 });
    // carer2 is only the backup: never told, so no update either.
    expect(other.of('alert').filter((frame) => frame.alert.id === raised.alertId)).toEqual([]);
  });

  test('an unreceived delivery is sent again on the same connection until the client confirms it', async () => {
    const carer = await dashboard(carer1());
    const raised = await injectSosAlert({ databaseUrl: database.url, org, residentId: await residentOfCarer1() });
    const first = await carer.next('alert', (frame) => frame.alert.id === raised.alertId);
    await expect
      .poll(() => carer.of('alert').filter((frame) => frame.deliveryId === first.deliveryId).length, {
        timeout: 10_000,
      })
      .toBeGreaterThanOrEqual(2);
    carer.send({ type: 'received', deliveryId: first.deliveryId });
    await expect.poll(async () => (await deliveryRow(first.deliveryId))?.state).toBe('delivered');
    expect((await deliveryRow(first.deliveryId))?.sendCount).toBeGreaterThanOrEqual(2);
    expect(await history(first.deliveryId)).toContain('sent→sent');
    carer.send({ type: 'ack', deliveryId: first.deliveryId });
    await carer.next('alert.updated', (frame) => frame.alertId === raised.alertId);
  });

  test('resolve closes the alert with a note and tells everyone who was told', async () => {
    const carer = await dashboard(carer1());
    const raised = await injectSosAlert({ databaseUrl: database.url, org, residentId: await residentOfCarer1() });
    const alert = await carer.next('alert', (frame) => frame.alert.id === raised.alertId);
    carer.send({ type: 'resolve', alertId: raised.alertId, note: 'false alarm, resident is fine' });
    const updated = await carer.next('alert.updated', (frame) => frame.change === 'resolved');
    expect(updated.alert).toMatchObject({ status: 'resolved', resolvedBy: carer1().staffId });
    expect(updated.alert.resolutionNote).toBe('false alarm, resident is fine');
    expect((await deliveryRow(alert.deliveryId))?.state).toBe('superseded');
  });
});

describe('wake-ups', () => {
  test('a delivery whose NOTIFY never came is found by the periodic sweep', async () => {
    const carer = await dashboard(carer1());
    const residentId = await residentOfCarer1();
    // Written the way raiseAlert writes its outbox, but with no NOTIFY at all.
    const deliveryId = await database.sql.begin(async (tx) => {
      const [alert] = await tx<{ id: string }[]>`
        insert into alerts (org_id, resident_id, kind, severity, dedup_key, title)
        values (${org.orgId}, ${residentId}, 'fall', 'high', ${`${residentId}:fall`}, 'Fall detected')
        returning id`;
      if (!alert) throw new Error('alert insert failed');
      const [delivery] = await createDeliveries(tx, {
        alertId: alert.id,
        orgId: org.orgId,
        staffIds: [carer1().staffId],
        level: 0,
      });
      return delivery?.id;
    });
    const alert = await carer.next('alert', (frame) => frame.deliveryId === deliveryId);
    expect(alert.alert).toMatchObject({ kind: 'fall', residentId });
    carer.send({ type: 'ack', deliveryId: alert.deliveryId });
    await carer.next('alert.updated', (frame) => frame.alertId === alert.alert.id);
  });
});

describe('escalation', () => {
  test('no ack escalates step by step on schedule; an ack stops it for everyone at once', async () => {
    const primary = await dashboard(carer1());
    const backup = await dashboard(carer2());
    const manager = await dashboard(login('manager'));
    const residentId = await residentOfCarer1();
    const raised = await injectSosAlert({ databaseUrl: database.url, org, residentId });

    await primary.next('alert', (frame) => frame.alert.id === raised.alertId);
    expect(backup.of('alert').some((frame) => frame.alert.id === raised.alertId)).toBe(false);
    // Step 2 (every assigned carer) after ~2 s without an ack.
    const escalated = await backup.next('alert', (frame) => frame.alert.id === raised.alertId, 15_000);
    expect(escalated.alert.escalationLevel).toBe(1);
    // On schedule: the step's deliveries were created no earlier than its 2 s wait after the first ones.
    const [gap] = await database.sql<{ seconds: number }[]>`
      select extract(epoch from max(pending_at) filter (where escalation_level = 1) - min(pending_at) filter (where escalation_level = 0))::float8
               as seconds
        from alert_deliveries where alert_id = ${raised.alertId}`;
    expect(gap?.seconds).toBeGreaterThanOrEqual(2);
    await primary.next('alert.updated', (frame) => frame.alertId === raised.alertId && frame.change === 'escalated');
    expect(manager.of('alert').some((frame) => frame.alert.id === raised.alertId)).toBe(false);

    backup.send({ type: 'ack', deliveryId: escalated.deliveryId });
    for (const client of [primary, backup]) {
      await client.next(
        'alert.updated',
        (frame) => frame.alertId === raised.alertId && frame.change === 'acknowledged',
      );
    }
    const [alert] = await database.sql<{ level: number; ackTimeout: number | null; by: string }[]>`
      select escalation_level as level, extract(epoch from next_escalation_at - acknowledged_at)::int as "ackTimeout",
             acknowledged_by as by
        from alerts where id = ${raised.alertId}`;
    expect(alert).toEqual({ level: 1, ackTimeout: 30 * 60, by: carer2().staffId });
    const states = await database.sql<{ staffId: string; state: string }[]>`
      select staff_id as "staffId", state from alert_deliveries where alert_id = ${raised.alertId}`;
    expect(states.filter((row) => row.state === 'acknowledged').map((row) => row.staffId)).toEqual([carer2().staffId]);
    expect(states.every((row) => row.state === 'acknowledged' || row.state === 'superseded')).toBe(true);

    // Past the next deadline: the managers' step never comes.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(manager.of('alert').some((frame) => frame.alert.id === raised.alertId)).toBe(false);
    const [after] = await database.sql<{ level: number }[]>`
      select escalation_level as level from alerts where id = ${raised.alertId}`;
    expect(after?.level).toBe(1);
  });

  test('an unacknowledged alert climbs to the managers and is delivered to whoever connects later', async () => {
    const residentId = await residentOfCarer1();
    const raised = await injectSosAlert({ databaseUrl: database.url, org, residentId });
    await expect
      .poll(
        async () =>
          (
            await database.sql`select 1 from alert_deliveries d join staff s on s.id = d.staff_id
                               where d.alert_id = ${raised.alertId} and s.role = 'manager'`
          ).length,
        { timeout: 15_000 },
      )
      .toBe(1);
    // Nobody was connected: the manager's delivery waits, pending, and arrives on connect.
    const manager = await dashboard(login('manager'));
    const alert = await manager.next('alert', (frame) => frame.alert.id === raised.alertId);
    expect(alert.alert.escalationLevel).toBe(2);
    manager.send({ type: 'ack', deliveryId: alert.deliveryId });
    await manager.next('alert.updated', (frame) => frame.alertId === raised.alertId);
  });
});

describe('recovery by resume', () => {
  test('a reconnecting dashboard gets exactly what it missed, in sequence order, then live alerts', async () => {
    // No escalation during this test: the set of deliveries must stay what the test computes.
    await holdEscalation(database.sql, org.orgId, 2);
    let carer = await dashboard(carer1());
    const before = await injectSosAlert({ databaseUrl: database.url, org, residentId: await residentOfCarer1() });
    const seen = await carer.next('alert', (frame) => frame.alert.id === before.alertId);
    carer.send({ type: 'received', deliveryId: seen.deliveryId });
    await expect.poll(async () => (await deliveryRow(seen.deliveryId))?.state).toBe('delivered');
    await carer.close();

    const missed = [];
    for (let index = 0; index < 2; index++) {
      missed.push(await injectSosAlert({ databaseUrl: database.url, org, residentId: await residentOfCarer1() }));
    }
    const expected = await database.sql<{ id: string; seq: number }[]>`
      select id, seq::float8 as seq from alert_deliveries where staff_id = ${carer1().staffId} and seq > ${seen.seq} order by seq`;
    expect(expected.length).toBeGreaterThanOrEqual(2);

    carer = await TestDashboard.connect(node.wsUrl, await tokenFor(carer1()));
    open.push(carer);
    const welcome = await carer.next('welcome');
    expect(welcome.lastSeq).toBe(expected.at(-1)?.seq);
    carer.send({ type: 'resume', lastSeq: seen.seq });
    const resumed = await carer.next('resumed');
    expect(resumed).toEqual({ type: 'resumed', afterSeq: seen.seq, replayed: expected.length });

    const alerts = carer.of('alert');
    const distinct = [...new Set(alerts.map((frame) => frame.deliveryId))];
    expect(distinct.sort()).toEqual(expected.map((row) => row.id).sort());
    expect(alerts.length).toBe(distinct.length);
    expect(alerts.map((frame) => frame.seq)).toEqual([...alerts.map((frame) => frame.seq)].sort((a, b) => a - b));
    for (const raised of missed) expect(alerts.some((frame) => frame.alert.id === raised.alertId)).toBe(true);

    const live = await injectSosAlert({ databaseUrl: database.url, org, residentId: await residentOfCarer1() });
    const liveFrame = await carer.next('alert', (frame) => frame.alert.id === live.alertId);
    expect(liveFrame.seq).toBeGreaterThan(expected.at(-1)?.seq ?? 0);
    for (const deliveryId of [seen.deliveryId, ...carer.of('alert').map((frame) => frame.deliveryId)]) {
      carer.send({ type: 'ack', deliveryId });
    }
    await expect.poll(async () => (await database.sql`select 1 from alerts where status = 'open'`).length).toBe(0);
  });
});

describe('a node that died between claiming and writing', () => {
  test('its claimed, never-written delivery reaches the dashboard the moment it connects elsewhere', async () => {
    await holdEscalation(database.sql, org.orgId, 2);
    const raised = await injectSosAlert({ databaseUrl: database.url, org, residentId: await residentOfCarer1() });
    const [delivery] = await database.sql<{ id: string }[]>`
      select id from alert_deliveries where alert_id = ${raised.alertId} and staff_id = ${carer1().staffId}`;
    // What a node does right before writing the frame: claimed (sent, due again only in an hour), then it died.
    const claimed = await claimDeliveries(database.sql, {
      deliveryIds: [delivery?.id ?? ''],
      resendSeconds: 3600,
      maxSends: 8,
      nodeId: 'node-that-died',
    });
    expect(claimed).toHaveLength(1);

    const carer = await dashboard(carer1());
    const frame = await carer.next('alert', (alert) => alert.alert.id === raised.alertId, 5000);
    expect(frame.deliveryId).toBe(delivery?.id);
    carer.send({ type: 'resolve', alertId: raised.alertId, note: 'done' });
    await expect.poll(async () => (await deliveryRow(frame.deliveryId))?.state).toBe('superseded');
  });
});

describe('resuming at connect', () => {
  test.each([
    ['the resume.<n> subprotocol', false],
    ['lastSeq in the auth frame', true],
  ])('with %s, missed deliveries come first and in sequence order, outstanding or not', async (_how, firstFrame) => {
    await holdEscalation(database.sql, org.orgId, 2);
    let carer = await dashboard(carer1());
    const admin = await dashboard(login('admin'));
    const first = await injectSosAlert({ databaseUrl: database.url, org, residentId: await residentOfCarer1() });
    const seen = await carer.next('alert', (frame) => frame.alert.id === first.alertId);
    carer.send({ type: 'received', deliveryId: seen.deliveryId });
    await expect.poll(async () => (await deliveryRow(seen.deliveryId))?.state).toBe('delivered');
    await carer.close();

    const missed = [];
    for (let index = 0; index < 4; index++) {
      missed.push(await injectSosAlert({ databaseUrl: database.url, org, residentId: await residentOfCarer1() }));
    }
    // Every other missed alert is resolved meanwhile: its delivery is no longer outstanding, so only a replay
    // brings it; the others would also be pushed as outstanding the moment the dashboard joins.
    const resolvedMeanwhile = missed.filter((_, index) => index % 2 === 0).map((raised) => raised.alertId);
    for (const alertId of resolvedMeanwhile) admin.send({ type: 'resolve', alertId, note: 'handled by the office' });
    await expect
      .poll(
        async () =>
          (
            await database.sql`select 1 from alerts where id = any(${resolvedMeanwhile}::uuid[]) and status = 'resolved'`
          ).length,
      )
      .toBe(resolvedMeanwhile.length);
    const expected = await database.sql<{ id: string; seq: number }[]>`
      select id, seq::float8 as seq from alert_deliveries
       where staff_id = ${carer1().staffId} and seq > ${seen.seq} order by seq`;

    carer = await TestDashboard.connect(node.wsUrl, await tokenFor(carer1()), { firstFrame, resumeFrom: seen.seq });
    open.push(carer);
    expect(await carer.next('resumed')).toEqual({ type: 'resumed', afterSeq: seen.seq, replayed: expected.length });
    const beforeResumed = carer.frames.slice(
      0,
      carer.frames.findIndex((frame) => frame.type === 'resumed'),
    );
    expect(beforeResumed[0]?.type).toBe('welcome');
    const replayed = beforeResumed.filter((frame) => frame.type === 'alert');
    expect(replayed.map((frame) => frame.deliveryId)).toEqual(expected.map((row) => row.id));
    expect(replayed.map((frame) => frame.alert.id).sort()).toEqual(missed.map((raised) => raised.alertId).sort());

    const stillOpen = missed.map((raised) => raised.alertId).filter((id) => !resolvedMeanwhile.includes(id));
    const toResolve = [first.alertId, ...stillOpen];
    for (const alertId of toResolve) carer.send({ type: 'resolve', alertId, note: 'done' });
    await expect
      .poll(async () => {
        const open =
          await database.sql`select 1 from alerts where id = any(${toResolve}::uuid[]) and status <> 'resolved'`;
        return open.length;
      })
      .toBe(0);
  });
});

describe('reconnecting again and again', () => {
  test('every connection is welcomed and resumes exactly what it missed, round after round', async () => {
    // Regression: the upgrade used to complete after an await, inside res.cork, where uWS v20.30 may close the
    // fresh WebSocket right after `open` (1006, no frame at all): a reconnecting dashboard lost its connection.
    await holdEscalation(database.sql, org.orgId, 2);
    for (let round = 0; round < 20; round++) {
      let carer = await dashboard(carer1());
      const seen = await injectSosAlert({ databaseUrl: database.url, org, residentId: await residentOfCarer1() });
      const frame = await carer.next('alert', (alert) => alert.alert.id === seen.alertId);
      carer.send({ type: 'received', deliveryId: frame.deliveryId });
      await expect.poll(async () => (await deliveryRow(frame.deliveryId))?.state).toBe('delivered');
      await carer.close();

      const missed = [];
      for (let index = 0; index < 2; index++) {
        missed.push(await injectSosAlert({ databaseUrl: database.url, org, residentId: await residentOfCarer1() }));
      }
      carer = await dashboard(carer1());
      carer.send({ type: 'resume', lastSeq: frame.seq });
      expect((await carer.next('resumed')).replayed).toBe(missed.length);
      const replayed = new Set(carer.of('alert').map((alert) => alert.alert.id));
      expect([...replayed].sort()).toEqual(missed.map((m) => m.alertId).sort());
      // Resolved, so that the residents are free for the next round.
      const alertIds = [seen.alertId, ...missed.map((m) => m.alertId)];
      for (const alertId of alertIds) carer.send({ type: 'resolve', alertId, note: `round ${round}` });
      await expect
        .poll(
          async () =>
            (await database.sql`select 1 from alerts where id = any(${alertIds}::uuid[]) and status <> 'resolved'`)
              .length,
        )
        .toBe(0);
      await carer.close();
    }
  });
});

describe('isolation between organisations and residents', () => {
  test("a caregiver never receives another organisation's or an unassigned resident's alert", async () => {
    const other = await seedDemoOrganisation(database.db, { orgName: 'Other Centre', slug: 'other', residents: 2 });
    const outsider = other.logins.find((entry) => entry.role === 'caregiver');
    const otherManager = other.logins.find((entry) => entry.role === 'manager');
    if (!outsider || !otherManager) throw new Error('seed');
    const outsiderClient = await dashboard({ staffId: outsider.staffId, orgId: other.orgId, role: 'caregiver' });
    const otherManagerClient = await dashboard({ staffId: otherManager.staffId, orgId: other.orgId, role: 'manager' });

    // carer2 is no longer assigned to this resident at all: the whole ladder must pass them by.
    const residentId = await residentOfCarer1();
    await database.sql`delete from assignments where resident_id = ${residentId} and staff_id = ${carer2().staffId}`;
    const unassigned = await dashboard(carer2());
    const manager = await dashboard(login('manager'));

    const raised = await injectSosAlert({ databaseUrl: database.url, org, residentId });
    const managerAlert = await manager.next('alert', (frame) => frame.alert.id === raised.alertId, 20_000);
    manager.send({ type: 'ack', deliveryId: managerAlert.deliveryId });
    await manager.next('alert.updated', (frame) => frame.alertId === raised.alertId);

    for (const client of [outsiderClient, otherManagerClient, unassigned]) {
      expect(client.frames.some((frame) => 'alertId' in frame && frame.alertId === raised.alertId)).toBe(false);
      expect(client.of('alert').some((frame) => frame.alert.id === raised.alertId)).toBe(false);
    }
    // Not theirs to acknowledge or resolve either.
    outsiderClient.send({ type: 'ack', deliveryId: managerAlert.deliveryId });
    expect((await outsiderClient.next('error')).code).toBe(1004);
    outsiderClient.send({ type: 'resolve', alertId: raised.alertId, note: 'not mine' });
    expect((await outsiderClient.next('error', (frame) => frame.code === 1005)).ref).toBe(raised.alertId);
  });
});
