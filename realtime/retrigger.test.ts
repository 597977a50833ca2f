import { afterAll, afterEach, beforeAll, describe, expect, onTestFinished, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/database';
import { type SeededOrganisation, seedDemoOrganisation } from '../infra/demo-organisation';
import { type RealtimeNode, startRealtimeNode } from './node';
import { injectSosAlert, stopInjectionServers, TestDashboard, testRealtimeConfig, tokenFor } from './testing';

// A new emergency on an acknowledged, unresolved alert, and an acknowledgement left unresolved too long,
// re-trigger the alert (fresh deliveries to its current step, escalation restarted) instead of staying silent.

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

/** A resident with no unresolved alert whose primary caregiver is carer1 (carer2 is the backup). */
async function residentOfCarer1(): Promise<string> {
  const [row] = await database.sql<{ residentId: string }[]>`
    select resident_id as "residentId" from assignments
     where staff_id = ${carer1().staffId} and escalation_order = 1
       and resident_id not in (select resident_id from alerts)
     limit 1`;
  if (!row) throw new Error('no free resident for carer1');
  return row.residentId;
}

/** The escalation sweep's clock, moved on for one alert: its current deadline is now. */
async function deadlineNow(alertId: string): Promise<void> {
  await database.sql`update alerts set next_escalation_at = now() where id = ${alertId}`;
}

async function alertRow(alertId: string) {
  const [row] = await database.sql<
    { status: string; by: string | null; level: number; retriggers: number; dueInSeconds: number | null }[]
  >`select status, acknowledged_by as by, escalation_level as level, retrigger_count as retriggers,
           extract(epoch from next_escalation_at - now())::float8 as "dueInSeconds"
      from alerts where id = ${alertId}`;
  return row;
}

async function retriggers(alertId: string) {
  return database.sql<{ retrigger: number; cause: string; by: string | null; level: number; event: string | null }[]>`
    select retrigger, cause, acknowledged_by as by, escalation_level as level, source_event_id as event
      from alert_retriggers where alert_id = ${alertId} order by retrigger`;
}

async function deliveries(alertId: string) {
  return database.sql<{ id: string; staffId: string; level: number; retrigger: number; state: string }[]>`
    select id, staff_id as "staffId", escalation_level as level, retrigger, state::text as state
      from alert_deliveries where alert_id = ${alertId} order by retrigger, escalation_level, staff_id`;
}

async function setAckTimeout(seconds: number | null): Promise<void> {
  await database.sql`
    update organisations set settings = settings || ${JSON.stringify({ ackTimeoutSeconds: { critical: seconds } })}::jsonb
     where id = ${org.orgId}`;
  onTestFinished(async () => {
    await database.sql`update organisations set settings = settings - 'ackTimeoutSeconds' where id = ${org.orgId}`;
  });
}

/** Opens an SOS for a resident of carer1 and has carer1 acknowledge it; returns the alert and the first delivery. */
async function acknowledgedSos(carer: TestDashboard) {
  const residentId = await residentOfCarer1();
  const raised = await injectSosAlert({ databaseUrl: database.url, org, residentId });
  const first = await carer.next('alert', (frame) => frame.alert.id === raised.alertId);
  carer.send({ type: 'ack', deliveryId: first.deliveryId });
  await carer.next('alert.updated', (frame) => frame.alertId === raised.alertId && frame.change === 'acknowledged');
  return { residentId, alertId: raised.alertId, first };
}

beforeAll(async () => {
  database = await createTestDatabase();
  org = await seedDemoOrganisation(database.db, { orgName: 'Retrigger Centre', slug: 'retrigger', residents: 20 });
  // Long waits: the tests move an alert's deadline themselves (deadlineNow), so nothing escalates behind their back.
  await database.sql`
    update escalation_policies set repeat = 1, steps = ${JSON.stringify([
      { notify: 'assigned', order: 1, waitSeconds: 300 },
      { notify: 'assigned', waitSeconds: 300 },
      { notify: 'managers', waitSeconds: 300 },
    ])}::text::jsonb where org_id = ${org.orgId} and severity = 'critical'`;
  node = await startRealtimeNode(testRealtimeConfig(database.url));
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close()));
});

afterAll(async () => {
  await stopInjectionServers();
  await node.stop();
  await database.drop();
});

describe('a new emergency on an acknowledged alert', () => {
  test('a second SOS re-triggers it: a fresh alert frame, new deliveries, escalation restarted, a history row', async () => {
    const carer = await dashboard(carer1());
    const backup = await dashboard(carer2());
    const { alertId, first } = await acknowledgedSos(carer);

    const again = await injectSosAlert({ databaseUrl: database.url, org, residentId: first.alert.residentId });
    expect(again).toMatchObject({ alertId, created: false });

    const fresh = await carer.next(
      'alert',
      (frame) => frame.alert.id === alertId && frame.deliveryId !== first.deliveryId,
    );
    expect(fresh.alert).toMatchObject({ status: 'open', acknowledgedBy: null, escalationLevel: 0 });
    expect(fresh.seq).toBeGreaterThan(first.seq);
    await carer.next('alert.updated', (frame) => frame.alertId === alertId && frame.change === 'retriggered');

    const row = await alertRow(alertId);
    expect(row).toMatchObject({ status: 'open', by: null, level: 0, retriggers: 1 });
    // Escalation restarted on the current step's wait (300 s), not the acknowledgement's 30 min.
    expect(row?.dueInSeconds).toBeGreaterThan(200);
    expect(row?.dueInSeconds).toBeLessThanOrEqual(300);
    expect(await retriggers(alertId)).toEqual([
      { retrigger: 1, cause: 'new_event', by: carer1().staffId, level: 0, event: expect.any(String) },
    ]);
    // The earlier acknowledgement stays on its delivery; the re-trigger is a new delivery of its own.
    expect(
      (await deliveries(alertId)).map(({ staffId, level, retrigger, state }) => [staffId, level, retrigger, state]),
    ).toEqual([
      [carer1().staffId, 0, 0, 'acknowledged'],
      [carer1().staffId, 0, 1, 'sent'],
    ]);

    // The restarted escalation moves on when its step's deadline passes: the backup carer is told at level 1.
    expect(backup.of('alert').some((frame) => frame.alert.id === alertId)).toBe(false);
    await deadlineNow(alertId);
    const escalated = await backup.next('alert', (frame) => frame.alert.id === alertId);
    expect(escalated.alert).toMatchObject({ status: 'open', escalationLevel: 1 });
    const levelOne = (await deliveries(alertId)).filter((delivery) => delivery.level === 1);
    expect(levelOne).toHaveLength(2);
    expect(levelOne).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ staffId: carer1().staffId, retrigger: 1 }),
        expect.objectContaining({ staffId: carer2().staffId, retrigger: 1 }),
      ]),
    );
  });

  test('the current step is told again, and of two simultaneous acks of the re-triggered alert exactly one wins', async () => {
    const carer = await dashboard(carer1());
    const backup = await dashboard(carer2());
    const residentId = await residentOfCarer1();
    const raised = await injectSosAlert({ databaseUrl: database.url, org, residentId });
    await carer.next('alert', (frame) => frame.alert.id === raised.alertId);
    await deadlineNow(raised.alertId);
    const level1 = await backup.next('alert', (frame) => frame.alert.id === raised.alertId);
    backup.send({ type: 'ack', deliveryId: level1.deliveryId });
    await backup.next('alert.updated', (frame) => frame.alertId === raised.alertId && frame.change === 'acknowledged');

    const before = new Set(
      (await database.sql<{ id: string }[]>`select id from alert_deliveries where alert_id = ${raised.alertId}`).map(
        (delivery) => delivery.id,
      ),
    );
    await injectSosAlert({ databaseUrl: database.url, org, residentId });
    // Level 1 ("every assigned carer") is the current step: both carers get a fresh delivery.
    const [forCarer, forBackup] = await Promise.all(
      [carer, backup].map((client) =>
        client.next('alert', (frame) => frame.alert.id === raised.alertId && !before.has(frame.deliveryId)),
      ),
    );
    expect(forCarer?.alert).toMatchObject({ status: 'open', escalationLevel: 1 });
    expect(forBackup?.alert).toMatchObject({ status: 'open', escalationLevel: 1 });
    // Staff ids are random, so the two rows come in either order.
    const told = (await deliveries(raised.alertId)).filter((delivery) => delivery.retrigger === 1);
    expect(told).toHaveLength(2);
    expect(told).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ staffId: carer1().staffId, level: 1 }),
        expect.objectContaining({ staffId: carer2().staffId, level: 1 }),
      ]),
    );

    const marks = new Map([carer, backup].map((client) => [client, client.frames.length]));
    carer.send({ type: 'ack', deliveryId: forCarer?.deliveryId });
    backup.send({ type: 'ack', deliveryId: forBackup?.deliveryId });
    // Everyone hears who won (with `by`); the loser also gets its own answer: the current state, without `by`.
    const acknowledged = (client: TestDashboard, withBy: boolean) =>
      client.next(
        'alert.updated',
        (frame) =>
          client.frames.indexOf(frame) >= (marks.get(client) ?? 0) &&
          frame.alertId === raised.alertId &&
          frame.change === 'acknowledged' &&
          (frame.by !== undefined) === withBy,
      );
    const heard = await Promise.all([acknowledged(carer, true), acknowledged(backup, true)]);
    const winner = heard[0].by?.staffId;
    expect(heard[1].by?.staffId).toBe(winner);
    await acknowledged(winner === carer1().staffId ? backup : carer, false);

    expect(await alertRow(raised.alertId)).toMatchObject({ status: 'acknowledged', by: winner, retriggers: 1 });
    const retriggered = (await deliveries(raised.alertId)).filter((delivery) => delivery.retrigger === 1);
    expect(
      retriggered.filter((delivery) => delivery.state === 'acknowledged').map((delivery) => delivery.staffId),
    ).toEqual([winner]);
    expect(retriggered.filter((delivery) => delivery.state === 'superseded')).toHaveLength(1);
  });
});

describe('an acknowledgement left unresolved', () => {
  test('re-triggers after the organisation’s acknowledgement timeout for the severity', async () => {
    await setAckTimeout(1);
    const carer = await dashboard(carer1());
    const { alertId, first } = await acknowledgedSos(carer);

    // The sweep, every node's, finds the deadline set at acknowledgement: a timestamp in the database.
    const fresh = await carer.next(
      'alert',
      (frame) => frame.alert.id === alertId && frame.deliveryId !== first.deliveryId,
    );
    expect(fresh.alert).toMatchObject({ status: 'open', acknowledgedBy: null, escalationLevel: 0 });
    await carer.next('alert.updated', (frame) => frame.alertId === alertId && frame.change === 'retriggered');
    expect(await retriggers(alertId)).toEqual([
      { retrigger: 1, cause: 'ack_timeout', by: carer1().staffId, level: 0, event: null },
    ]);
    const row = await alertRow(alertId);
    expect(row).toMatchObject({ status: 'open', by: null, retriggers: 1 });
    expect(row?.dueInSeconds).toBeGreaterThan(200);
  });

  test('the deadline is the default 30 min for critical when the organisation sets none, and never when it says null', async () => {
    const carer = await dashboard(carer1());
    const { alertId } = await acknowledgedSos(carer);
    const [deadline] = await database.sql<{ seconds: number }[]>`
      select extract(epoch from next_escalation_at - acknowledged_at)::float8 as seconds from alerts where id = ${alertId}`;
    expect(deadline?.seconds).toBeCloseTo(30 * 60, 0);

    await setAckTimeout(null);
    const again = await acknowledgedSos(carer);
    expect((await alertRow(again.alertId))?.dueInSeconds).toBeNull();
  });

  test('resolving a re-triggered alert still ends everything: no deadline, nothing outstanding, a new SOS opens a new alert', async () => {
    await setAckTimeout(1);
    const carer = await dashboard(carer1());
    const { alertId, first, residentId } = await acknowledgedSos(carer);
    const fresh = await carer.next(
      'alert',
      (frame) => frame.alert.id === alertId && frame.deliveryId !== first.deliveryId,
    );

    carer.send({ type: 'resolve', alertId, note: 'resident seen, all well' });
    await carer.next('alert.updated', (frame) => frame.alertId === alertId && frame.change === 'resolved');
    expect(await alertRow(alertId)).toMatchObject({ status: 'resolved', dueInSeconds: null });
    expect((await deliveries(alertId)).map((delivery) => [delivery.id, delivery.state])).toEqual([
      [first.deliveryId, 'acknowledged'],
      [fresh.deliveryId, 'superseded'],
    ]);
    const next = await injectSosAlert({ databaseUrl: database.url, org, residentId });
    expect(next.created).toBe(true);
    expect(next.alertId).not.toBe(alertId);
  });
});
