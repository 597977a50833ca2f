import type postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { hashPassword } from '../../core/auth/password';
import { acknowledgeDelivery } from '../../db/alerts/acknowledge';
import { queueWaitingPushes } from '../../db/alerts/channels/queue-waiting-pushes';
import { resendLostPushes } from '../../db/alerts/channels/resend-lost-pushes';
import { createDeliveries } from '../../db/alerts/deliveries';
import { escalateDueAlerts } from '../../db/alerts/escalate';
import { lockResidentAlerts } from '../../db/alerts/lock-resident-alerts';
import { claimDeliveries, markDeliveredMany, releaseClaims, replayDeliveryPages } from '../../db/alerts/outstanding';
import { raiseAlert } from '../../db/alerts/raise-alert';
import { resolveAlert } from '../../db/alerts/resolve';
import { resolveBySystem } from '../../db/alerts/resolve-by-system';
import { createDatabase } from '../../db/client';
import { staff } from '../../db/schema';
import { createTestDatabase, type TestDatabase } from '../../db/testing/database';
import type { HubContext } from '../../functions/ingest/hub-auth';
import { ingestBatch } from '../../functions/ingest/ingest-batch';
import { storeBatch } from '../../functions/ingest/store-events';
import { type SeededOrganisation, seedDemoOrganisation } from '../demo-organisation';

/**
 * Every path that locks several alerts or deliveries, hammered at once on the same alerts: acknowledgements of
 * different deliveries of one alert, receipt batches across alerts, escalation sweeps, resolves (by a person and
 * by the system), claims, releases and replays. With one global lock order none of them can wait on another in a
 * cycle, so PostgreSQL's own deadlock counter must not move.
 */
describe('one global lock order: alerts, then staff, then deliveries, each by id', () => {
  let t: TestDatabase;
  let org: SeededOrganisation;
  let people: { id: string; role: 'admin' | 'manager' | 'caregiver' }[];
  const ROUNDS = 10;
  const ALERTS_PER_ROUND = 8;

  beforeAll(async () => {
    t = await createTestDatabase({
      skipAlertAudit: 'sets escalation levels by hand to force lock contention, so steps are passed over on purpose',
    });
    org = await seedDemoOrganisation(t.db, { orgName: 'Lock Order Centre', slug: 'lockorder' });
    // Many managers: an escalation to the managers' step locks many staff rows and writes many deliveries.
    const passwordHash = await hashPassword('lock-order-test');
    await t.db.insert(staff).values(
      Array.from({ length: 12 }, (_, index) => ({
        orgId: org.orgId,
        name: `Manager ${index}`,
        email: `manager${index}@lockorder.carewatch.test`,
        role: 'manager' as const,
        passwordHash,
      })),
    );
    people = await t.sql`select id, role from staff where org_id = ${org.orgId} order by id`;
  });
  afterAll(() => t.drop());

  const deadlocks = async (): Promise<number> => {
    // Statistics are flushed by each backend when it exits; pg_stat_activity drops it after that flush.
    const [row] = await t.sql<{ deadlocks: number }[]>`
      select deadlocks::int from pg_stat_database where datname = current_database()`;
    return row?.deadlocks ?? 0;
  };

  const waitingForLocks = async (applicationName: string): Promise<number> =>
    (
      await t.sql`select 1 from pg_stat_activity
                   where application_name = ${applicationName} and wait_event_type = 'Lock'`
    ).length;

  /** Holds a transaction at a point of the test's choosing. */
  const gate = () => {
    let open = () => {};
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    return { open, opened };
  };

  /** Closes the clients, waits for their backends to exit (they flush their statistics then), reads the count. */
  const deadlocksAfterClosing = async (clients: ReturnType<typeof createDatabase>[], names: string[]) => {
    await Promise.all(clients.map((client) => client.close()));
    await expect
      .poll(async () => (await t.sql`select 1 from pg_stat_activity where application_name = any(${names})`).length)
      .toBe(0);
    await t.sql`select pg_stat_clear_snapshot()`;
    return deadlocks();
  };

  type Work = [kind: string, run: () => Promise<unknown>];

  const shuffled = <T>(items: T[]): T[] => {
    const copy = items.slice();
    for (let i = copy.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [copy[i], copy[j]] = [copy[j] as T, copy[i] as T];
    }
    return copy;
  };

  async function openAlerts(sql: postgres.Sql, round: number): Promise<string[]> {
    const alertIds: string[] = [];
    for (let index = 0; index < ALERTS_PER_ROUND; index++) {
      const resident = org.residents[index % org.residents.length];
      if (!resident) throw new Error('seed has no residents');
      const alertId = await sql.begin(async (tx) => {
        const raised = await raiseAlert(tx, {
          orgId: org.orgId,
          residentId: resident.id,
          kind: 'sos',
          severity: 'critical',
          dedupKey: `${resident.id}:sos:${round}:${index}`,
          title: 'Emergency button pressed',
        });
        // Everyone has a delivery at level 1, so each alert has many deliveries to acknowledge and supersede.
        await createDeliveries(tx, {
          alertId: raised.alertId,
          orgId: org.orgId,
          staffIds: people.map((person) => person.id),
          level: 1,
        });
        // Due at once, on different rungs: sweeps lock different staff sets (carers, managers, the admin).
        await tx`update alerts set escalation_level = ${index % 3}, next_escalation_at = now() where id = ${raised.alertId}`;
        return raised.alertId;
      });
      alertIds.push(alertId);
    }
    return alertIds;
  }

  /** The fourth resident's hub, with that resident's SOS alert open (ingest batches join it). */
  async function alertingHub(sql: postgres.Sql): Promise<HubContext & { residentId: string }> {
    const resident = org.residents[3];
    const hub = org.hubs.find((candidate) => candidate.residentId === resident?.id);
    if (!resident || !hub) throw new Error('seed has no hub for the fourth resident');
    await sql.begin((tx) =>
      raiseAlert(tx, {
        orgId: org.orgId,
        residentId: resident.id,
        kind: 'sos',
        severity: 'critical',
        dedupKey: `${resident.id}:sos`,
        title: 'Emergency button pressed',
      }),
    );
    return {
      id: hub.id,
      orgId: org.orgId,
      residentId: resident.id,
      orgSettings: {},
      thresholds: {},
      devices: new Set(),
    };
  }

  test('acks, receipts, escalation, resolves, claims, replays, push resends and subscribes on the same alerts never deadlock', async () => {
    const hammer = createDatabase(t.url, { max: 24, applicationName: 'lock-order-hammer' });
    let acknowledged = 0;
    /** Deadlock victims by kind of work, as the clients saw them. */
    const victims: Record<string, number> = {};
    const failures: Error[] = [];
    const run = async ([kind, work]: Work) => {
      try {
        await work();
      } catch (error) {
        if ((error as { code?: string }).code === '40P01') victims[kind] = (victims[kind] ?? 0) + 1;
        else failures.push(error as Error);
      }
    };
    const alerting = await alertingHub(hammer.sql);
    const before = await deadlocks();
    const allAlerts: string[] = [];
    try {
      for (let round = 0; round < ROUNDS; round++) {
        const alertIds = await openAlerts(hammer.sql, round);
        allAlerts.push(...alertIds);
        const deliveries = await hammer.sql<{ id: string; staffId: string; alertId: string }[]>`
          select id, staff_id as "staffId", alert_id as "alertId" from alert_deliveries
           where alert_id = any(${alertIds}::uuid[])`;
        const receipts = (ids: { id: string; staffId: string }[]) =>
          ids.map((delivery) => ({ deliveryId: delivery.id, staffId: delivery.staffId, orgId: org.orgId }));
        const work: Work[] = [];
        for (const alertId of alertIds) {
          // Several people acknowledge the same alert at once, each from their own delivery.
          const ofAlert = shuffled(deliveries.filter((delivery) => delivery.alertId === alertId)).slice(0, 3);
          for (const delivery of ofAlert)
            work.push([
              'ack',
              async () => {
                const result = await acknowledgeDelivery(hammer.sql, {
                  deliveryId: delivery.id,
                  staffId: delivery.staffId,
                  orgId: org.orgId,
                  nodeId: 'hammer',
                });
                if (result.outcome === 'acknowledged') acknowledged++;
              },
            ]);
        }
        // Pushes a moved subscription lost (failed 410), queued again while the rest goes on.
        const [subscriber] = people;
        if (!subscriber) throw new Error('no staff');
        const [subscription] = await hammer.sql<{ id: string }[]>`
          insert into push_subscriptions (org_id, staff_id, endpoint, p256dh, auth)
          values (${org.orgId}, ${subscriber.id}, ${`https://push.example/lock-order-${round}`}, 'key', 'auth')
          returning id`;
        const lost = await hammer.sql<{ id: string }[]>`
          insert into delivery_channel_attempts
            (org_id, alert_id, delivery_id, staff_id, channel, subscription_id, state, provider_status, failed_at)
          select org_id, alert_id, id, staff_id, 'push', ${subscription?.id ?? ''}, 'failed', 410, now()
            from alert_deliveries where id = any(${shuffled(deliveries)
              .slice(0, 12)
              .map((delivery) => delivery.id)}::uuid[])
          returning id`;
        for (let resend = 0; resend < 2; resend++)
          work.push([
            'resend lost pushes',
            () => resendLostPushes(hammer.sql, { attemptIds: lost.map((row) => row.id), to: subscription?.id ?? '' }),
          ]);
        // The same person subscribing a device: their waiting deliveries' pushes queued for it.
        for (let subscribe = 0; subscribe < 2; subscribe++)
          work.push([
            'queue waiting pushes',
            () =>
              queueWaitingPushes(hammer.sql, { orgId: org.orgId, staffId: subscriber.id, to: subscription?.id ?? '' }),
          ]);
        for (let batch = 0; batch < 6; batch++)
          work.push([
            'receipts',
            () => markDeliveredMany(hammer.sql, receipts(shuffled(deliveries).slice(0, 60)), 'hammer'),
          ]);
        // Small sweeps, as when several nodes share a storm of due alerts between them.
        for (let sweep = 0; sweep < 4; sweep++)
          work.push(['escalation', () => escalateDueAlerts(hammer.sql, `hammer-${sweep}`, 2)]);
        for (const alertId of alertIds.slice(0, 2)) {
          const manager = people.find((person) => person.role === 'manager');
          if (!manager) throw new Error('no manager');
          work.push([
            'resolve',
            () =>
              resolveAlert(hammer.sql, {
                alertId,
                identity: { staffId: manager.id, orgId: org.orgId, role: 'manager' },
                note: 'handled',
                nodeId: 'hammer',
              }),
          ]);
        }
        work.push([
          'system resolve',
          () =>
            hammer.sql.begin(async (tx) => {
              const [resident] = org.residents;
              if (!resident) return;
              const keys = shuffled(
                Array.from({ length: 3 }, (_, index) => `${resident.id}:sos:${round}:${index * 4}`),
              );
              await resolveBySystem(tx, { orgId: org.orgId, dedupKeys: keys, note: 'cleared at the source' });
            }),
        ]);
        // Ingest's one-statement batch resolves self-clearing alerts (a hub heard from again) and supersedes.
        for (const residentIndex of [1, 2])
          work.push([
            'ingest resolve',
            async () => {
              const resident = org.residents[residentIndex];
              const hub = org.hubs.find((candidate) => candidate.residentId === resident?.id);
              if (!resident || !hub) throw new Error('seed has no hub for the resident');
              const context = {
                id: hub.id,
                orgId: org.orgId,
                residentId: resident.id,
                orgSettings: {},
                thresholds: {},
              };
              const keys = shuffled([0, 4].map((offset) => `${resident.id}:sos:${round}:${residentIndex + offset}`));
              await storeBatch(hammer.sql, { ...context, devices: new Set() }, {}, [], {
                dedupKeys: keys,
                note: 'the hub reports again',
              });
            },
          ]);
        // An alerting ingest batch opens a new alert (its staff locked) and then joins the resident's open SOS alert,
        // which an escalation sweep may hold while it locks the same staff.
        await hammer.sql`update alerts set status = 'resolved', resolved_at = now()
                          where dedup_key = ${`${alerting.residentId}:fire`} and status <> 'resolved'`;
        await hammer.sql`update alerts set escalation_level = 0, next_escalation_at = now()
                          where dedup_key = ${`${alerting.residentId}:sos`} and status = 'open'`;
        for (let batch = 0; batch < 3; batch++) {
          const at = Date.now() + batch;
          const body = {
            events: [
              { eventId: `fire-${round}-${batch}`, kind: 'fire', time: new Date(at).toISOString() },
              { eventId: `sos-${round}-${batch}`, kind: 'emergency_button', time: new Date(at + 1).toISOString() },
            ],
          };
          work.push(['ingest alerting', () => ingestBatch(hammer.sql, alerting, body, new Date(at + 2))]);
          work.push(['escalation', () => escalateDueAlerts(hammer.sql, `hammer-ingest-${batch}`, 1)]);
        }
        for (let pass = 0; pass < 3; pass++) {
          const ids = shuffled(deliveries).slice(0, 40);
          work.push([
            'release',
            () =>
              releaseClaims(
                hammer.sql,
                ids.map((delivery) => delivery.id),
              ),
          ]);
          work.push([
            'claim',
            () =>
              claimDeliveries(hammer.sql, {
                staffIds: shuffled(people.map((person) => person.id)),
                ignoreSchedule: true,
                resendSeconds: 30,
                maxSends: 100,
                nodeId: 'hammer',
              }),
          ]);
        }
        // As a reconnect storm does: several people's pages in one statement.
        const resuming = shuffled(people).slice(0, 4);
        work.push([
          'replay',
          () =>
            replayDeliveryPages(
              hammer.sql,
              resuming.map((person) => ({ staffId: person.id, afterSeq: 0 })),
              { resendSeconds: 30, nodeId: 'hammer', limit: 500 },
            ),
        ]);
        await Promise.all(shuffled(work).map(run));
      }
    } finally {
      await hammer.close();
    }
    await expect
      .poll(
        async () => (await t.sql`select 1 from pg_stat_activity where application_name = 'lock-order-hammer'`).length,
      )
      .toBe(0);
    await t.sql`select pg_stat_clear_snapshot()`;
    const after = await deadlocks();

    expect(failures.map((error) => error.message)).toEqual([]);
    expect({ victims, postgresCounted: after - before }).toEqual({ victims: {}, postgresCounted: 0 });

    // Whatever won: at most one acknowledging delivery per alert, and it belongs to whoever the alert names. That
    // holds per alert only while none of them re-triggers (an earlier round keeps its acknowledged delivery): these
    // alerts' dedup keys are no ingest batch's and their acknowledgements time out after 30 minutes.
    const [retriggers] = await t.sql<{ count: number }[]>`
      select count(*)::int as count from alert_retriggers where alert_id = any(${allAlerts}::uuid[])`;
    expect(retriggers?.count).toBe(0);
    const wrong = await t.sql`
      select a.id, a.acknowledged_by, count(d.id) filter (where d.state = 'acknowledged') as acknowledging
        from alerts a left join alert_deliveries d on d.alert_id = a.id
       where a.id = any(${allAlerts}::uuid[])
       group by a.id
      having count(d.id) filter (where d.state = 'acknowledged') > 1
          or bool_or(d.state = 'acknowledged' and d.staff_id is distinct from a.acknowledged_by)
          or (a.status = 'open' and count(d.id) filter (where d.state = 'acknowledged') > 0)`;
    expect(wrong).toEqual([]);
    expect(acknowledged).toBeGreaterThan(0);
  }, 120_000);

  test('an alerting batch that waited for another one locks the alert that one created, before any staff', async () => {
    // Batch 1 opens a fire alert (due for escalation at once) while batch 2 waits to lock the resident's alerts.
    // Once batch 1 commits, batch 2 must hold that alert too: an escalation sweep that took it would wait for the
    // staff batch 2 holds, while batch 2, joining the alert, waits for the sweep.
    const calm = await seedDemoOrganisation(t.db, { orgName: 'Snapshot Centre', slug: 'snapshot', residents: 1 });
    const [resident] = calm.residents;
    if (!resident) throw new Error('seed has no resident');
    const batches = createDatabase(t.url, { max: 2, applicationName: 'lock-order-batches' });
    const sweeper = createDatabase(t.url, { max: 1, applicationName: 'lock-order-sweeper' });
    const fire = (eventId: string) => ({
      orgId: calm.orgId,
      residentId: resident.id,
      kind: 'fire' as const,
      severity: 'critical' as const,
      dedupKey: `${resident.id}:fire`,
      title: 'Fire alarm',
      sourceEventId: eventId,
    });
    const firstRaised = gate();
    const firstMayCommit = gate();
    const secondLocked = gate();
    const secondMayGoOn = gate();
    const before = await deadlocks();
    try {
      const first = batches.sql.begin(async (tx) => {
        await lockResidentAlerts(tx, { orgId: calm.orgId, residentId: resident.id });
        const raised = await raiseAlert(tx, fire('fire-1'));
        await tx`update alerts set next_escalation_at = now() where id = ${raised.alertId}`;
        firstRaised.open();
        await firstMayCommit.opened;
        return raised;
      });
      await firstRaised.opened;
      const second = batches.sql.begin(async (tx) => {
        await lockResidentAlerts(tx, { orgId: calm.orgId, residentId: resident.id });
        secondLocked.open();
        await secondMayGoOn.opened;
        return raiseAlert(tx, fire('fire-2'));
      });
      await expect.poll(() => waitingForLocks('lock-order-batches')).toBe(1);
      firstMayCommit.open();
      const created = await first;
      await secondLocked.opened;
      // The sweep either skips the alert batch 2 holds, or takes it and waits for batch 2's staff.
      let swept = false;
      const sweep = escalateDueAlerts(sweeper.sql, 'snapshot-sweep').finally(() => {
        swept = true;
      });
      await expect.poll(async () => swept || (await waitingForLocks('lock-order-sweeper')) > 0).toBe(true);
      secondMayGoOn.open();
      const joined = await second;
      await sweep;
      expect({ created: created.created, joined: joined.created, same: joined.alertId === created.alertId }).toEqual({
        created: true,
        joined: false,
        same: true,
      });
    } finally {
      firstMayCommit.open();
      secondMayGoOn.open();
    }
    const after = await deadlocksAfterClosing([batches, sweeper], ['lock-order-batches', 'lock-order-sweeper']);
    expect(after - before).toBe(0);
  }, 60_000);

  test('an alerting batch that re-triggers an alert locks its acknowledger and the managers up front', async () => {
    // A manager acknowledged two residents' alerts. Batch 1 (resident X) holds X's carers; the sweep re-triggers Y's
    // timed-out alert, locking the manager (a lower id) and then waiting for a carer batch 1 holds; a new SOS on X
    // re-triggers X's alert, which tells the manager: batch 1 must not wait for the manager only now.
    const shared = await seedDemoOrganisation(t.db, { orgName: 'Retrigger Lock Centre', slug: 'relock', residents: 2 });
    const [x, y] = shared.residents;
    if (!x || !y) throw new Error('seed has no residents');
    const carers = await t.sql<{ id: string }[]>`
      select id from staff where org_id = ${shared.orgId} and role = 'caregiver' order by id`;
    const firstCarer = carers[0]?.id ?? '';
    // The sweep must take the manager before it meets a carer: a manager whose id sorts before every carer.
    const passwordHash = await hashPassword('lock-order-test');
    let manager: string | undefined;
    for (let index = 0; !manager; index++) {
      const [added] = await t.db
        .insert(staff)
        .values({
          orgId: shared.orgId,
          name: `Night manager ${index}`,
          email: `night${index}@relock.carewatch.test`,
          role: 'manager',
          passwordHash,
        })
        .returning({ id: staff.id });
      if (added && added.id < firstCarer) manager = added.id;
    }
    const sos = (resident: { id: string }, eventId: string) => ({
      orgId: shared.orgId,
      residentId: resident.id,
      kind: 'sos' as const,
      severity: 'critical' as const,
      dedupKey: `${resident.id}:sos`,
      title: 'Emergency button pressed',
      sourceEventId: eventId,
    });
    const alertOf = async (resident: { id: string }) =>
      (await t.sql.begin((tx) => raiseAlert(tx, sos(resident, `first-${resident.id}`)))).alertId;
    const xAlert = await alertOf(x);
    const yAlert = await alertOf(y);
    // Acknowledged by the manager; Y's acknowledgement has timed out, X's has not.
    await t.sql`update alerts set status = 'acknowledged', acknowledged_at = now(), acknowledged_by = ${manager},
                       next_escalation_at = case when id = ${yAlert}::uuid then now() else now() + interval '1 hour' end
                 where id in (${xAlert}, ${yAlert})`;
    const batches = createDatabase(t.url, { max: 1, applicationName: 'lock-order-retrigger' });
    const sweeper = createDatabase(t.url, { max: 1, applicationName: 'lock-order-retrigger-sweep' });
    const locked = gate();
    const mayGoOn = gate();
    const before = await deadlocks();
    try {
      const batch = batches.sql.begin(async (tx) => {
        await lockResidentAlerts(tx, { orgId: shared.orgId, residentId: x.id });
        locked.open();
        await mayGoOn.opened;
        return raiseAlert(tx, sos(x, 'second-sos'));
      });
      await locked.opened;
      let swept = false;
      const sweep = escalateDueAlerts(sweeper.sql, 'retrigger-sweep').finally(() => {
        swept = true;
      });
      await expect.poll(async () => swept || (await waitingForLocks('lock-order-retrigger-sweep')) > 0).toBe(true);
      mayGoOn.open();
      const raised = await batch;
      const outcomes = await sweep;
      expect({
        batch: raised.retriggered,
        sweep: outcomes.find((outcome) => outcome.alertId === yAlert)?.retriggered,
      }).toEqual({ batch: true, sweep: true });
    } finally {
      mayGoOn.open();
    }
    const after = await deadlocksAfterClosing(
      [batches, sweeper],
      ['lock-order-retrigger', 'lock-order-retrigger-sweep'],
    );
    expect(after - before).toBe(0);
  }, 60_000);

  test('alerting ingest batches of many residents alongside escalation sweeps never deadlock', async () => {
    // Many residents sharing two carers: each batch opens a fire alert (its staff locked) and joins the resident's
    // open SOS alert, which an escalation sweep may hold while it locks the same carers.
    const busy = await seedDemoOrganisation(t.db, { orgName: 'Ingest Lock Centre', slug: 'ingestlock', residents: 16 });
    const hammer = createDatabase(t.url, { max: 30, applicationName: 'lock-order-ingest' });
    const before = await deadlocks();
    try {
      for (const resident of busy.residents)
        await hammer.sql.begin((tx) =>
          raiseAlert(tx, {
            orgId: busy.orgId,
            residentId: resident.id,
            kind: 'sos',
            severity: 'critical',
            dedupKey: `${resident.id}:sos`,
            title: 'Emergency button pressed',
          }),
        );
      for (let round = 0; round < 15; round++) {
        await hammer.sql`update alerts set status = 'resolved', resolved_at = now()
                          where org_id = ${busy.orgId} and kind = 'fire' and status <> 'resolved'`;
        await hammer.sql`update alerts set escalation_level = (random() * 3)::int, next_escalation_at = now()
                          where org_id = ${busy.orgId} and kind = 'sos' and status = 'open'`;
        const work: Promise<unknown>[] = [];
        for (const resident of busy.residents) {
          const hub = busy.hubs.find((candidate) => candidate.residentId === resident.id);
          if (!hub) throw new Error('seed has no hub for a resident');
          const context = { id: hub.id, orgId: busy.orgId, residentId: resident.id, orgSettings: {}, thresholds: {} };
          const at = Date.now();
          const body = {
            events: [
              { eventId: `fire-${round}`, kind: 'fire', time: new Date(at).toISOString() },
              { eventId: `sos-${round}`, kind: 'emergency_button', time: new Date(at + 1).toISOString() },
            ],
          };
          work.push(ingestBatch(hammer.sql, { ...context, devices: new Set() }, body, new Date(at + 2)));
          work.push(escalateDueAlerts(hammer.sql, `ingest-sweep-${round}`, 1));
        }
        await Promise.all(work);
      }
    } finally {
      await hammer.close();
    }
    // Ingest runs a deadlocked batch again, so only PostgreSQL's own count shows a deadlock here.
    await expect
      .poll(
        async () => (await t.sql`select 1 from pg_stat_activity where application_name = 'lock-order-ingest'`).length,
      )
      .toBe(0);
    await t.sql`select pg_stat_clear_snapshot()`;
    expect((await deadlocks()) - before).toBe(0);
    const [fires] = await t.sql<{ count: number }[]>`
      select count(*)::int as count from alerts where org_id = ${busy.orgId} and kind = 'fire'`;
    expect(fires?.count).toBe(15 * busy.residents.length);
  }, 120_000);
});
