import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type SeededOrganisation, seedDemoOrganisation } from '../../infra/demo-organisation';
import { acknowledgeDelivery } from '../alerts/acknowledge';
import { auditAlerts } from '../alerts/audit';
import { staffForStep } from '../alerts/escalation-targets';
import { policyFor } from '../alerts/ladder';
import { type RaiseAlertInput, raiseAlert } from '../alerts/raise-alert';
import { retriggerAlert } from '../alerts/retrigger';
import type { AlertKind, AlertSeverity, EscalationStep, WeeklyShift } from '../schema';
import { createTestDatabase, type TestDatabase } from '../testing/database';
import { MINUTES_PER_DAY, minuteOfWeek, wallClockMinutes, weekMoment } from './wall-clock';

const SEOUL = 'Asia/Seoul';

/** A weekly shift starting `fromNow` minutes after now (Seoul wall clock) and lasting `length` minutes. */
function shiftFromNow(fromNow: number, length: number, now = new Date()): WeeklyShift {
  const start = minuteOfWeek(wallClockMinutes(now, SEOUL) + fromNow);
  const { day, time } = weekMoment(start);
  const end = weekMoment(start + length);
  const endsNextDay = (start % MINUTES_PER_DAY) + length >= MINUTES_PER_DAY;
  return { day, start: time, end: end.time, ...(endsNextDay ? { endsNextDay } : {}) };
}

describe('the ladder and on-call schedules', () => {
  let t: TestDatabase;
  let org: SeededOrganisation;
  const staffOf = (role: string, nth = 0) => org.logins.filter((login) => login.role === role)[nth]?.staffId ?? '';
  let residentId = '';
  let primary = '';
  let backup = '';

  const raise = (severity: AlertSeverity, kind: AlertKind): RaiseAlertInput => ({
    orgId: org.orgId,
    residentId,
    kind,
    severity,
    dedupKey: `${residentId}:${kind}`,
    title: kind,
  });
  const setLadder = (severity: AlertSeverity, steps: EscalationStep[]) =>
    t.sql`insert into escalation_policies (org_id, severity, steps, repeat)
          values (${org.orgId}, ${severity}, ${t.sql.json(steps as never)}, 1)
          on conflict (org_id, severity) do update set steps = excluded.steps, repeat = 1`;
  const team = async (name: string) => {
    const [row] = await t.sql<{ id: string }[]>`
      insert into teams (org_id, name) values (${org.orgId}, ${name}) returning id`;
    return row?.id ?? '';
  };
  const rotation = (teamId: string, participants: string[], shifts: WeeklyShift[] | null) =>
    t.sql`insert into on_call_rotations (org_id, team_id, name, participant_ids, starts_at, turn_days, shifts)
          values (${org.orgId}, ${teamId}, 'test', ${participants}::uuid[], '2026-01-05T09:00', 7,
                  ${shifts === null ? null : t.sql.json(shifts as never)})`;
  const toldOf = async (alertId: string) =>
    (
      await t.sql<{ staff_id: string; escalation_level: number }[]>`
        select staff_id, escalation_level from alert_deliveries where alert_id = ${alertId} order by staff_id`
    ).map((row) => ({ staffId: row.staff_id, level: row.escalation_level }));
  const clear = async () => {
    await t.sql`delete from alerts where org_id = ${org.orgId}`;
    await t.sql`delete from teams where org_id = ${org.orgId}`;
  };

  beforeAll(async () => {
    t = await createTestDatabase();
    org = await seedDemoOrganisation(t.db, { orgName: 'Rota Centre', slug: 'rota' });
    residentId = org.residents[0]?.id ?? '';
    const [first, second] = await t.sql<{ staff_id: string }[]>`
      select staff_id from assignments where resident_id = ${residentId} order by escalation_order`;
    primary = first?.staff_id ?? '';
    backup = second?.staff_id ?? '';
  });
  afterAll(() => t?.drop());

  test('a step naming a team’s on-call tells whoever is on call then; an override made later wins', async () => {
    await clear();
    const night = await team('Night desk');
    await rotation(night, [backup], null);
    await setLadder('high', [
      { notify: 'on_call', teamId: night, waitSeconds: 60 },
      { notify: 'managers', waitSeconds: 60 },
    ]);
    const first = await t.sql.begin((tx) => raiseAlert(tx, raise('high', 'fall')));
    expect(await toldOf(first.alertId)).toEqual([{ staffId: backup, level: 0 }]);

    const manager = staffOf('manager');
    await t.sql`insert into on_call_overrides (org_id, team_id, staff_id, starts_at, ends_at, reason)
                values (${org.orgId}, ${night}, ${manager}, now() - interval '1 hour', now() + interval '1 hour',
                        'covering')`;
    const second = await t.sql.begin((tx) => raiseAlert(tx, raise('high', 'no_activity')));
    expect(await toldOf(second.alertId)).toEqual([{ staffId: manager, level: 0 }]);
  });

  test('a team with nobody on call passes its step at once to the next, and the audit finds that in order', async () => {
    await clear();
    const night = await team('Night desk');
    await rotation(night, [backup], [shiftFromNow(6 * 60, 60)]);
    await setLadder('high', [
      { notify: 'on_call', teamId: night, waitSeconds: 60 },
      { notify: 'managers', waitSeconds: 60 },
    ]);
    const raised = await t.sql.begin((tx) => raiseAlert(tx, raise('high', 'fall')));
    expect(await toldOf(raised.alertId)).toEqual([{ staffId: staffOf('manager'), level: 1 }]);
    const audit = await auditAlerts(t.sql, { from: new Date(Date.now() - 60_000), to: new Date(Date.now() + 60_000) });
    expect(audit.violations).toEqual([]);
    // Six hours on, the same step names the night desk: the audit judges the pass by the moment it was made.
    const later = new Date(Date.now() + 6 * 3_600_000 + 5 * 60_000);
    const step: EscalationStep = { notify: 'on_call', teamId: night, waitSeconds: 60 };
    expect(await staffForStep(t.sql, { orgId: org.orgId, residentId, severity: 'high', step, at: later })).toEqual([
      backup,
    ]);
    expect(await staffForStep(t.sql, { orgId: org.orgId, residentId, severity: 'high', step })).toEqual([]);
  });

  test('below critical a carer off shift is passed over; a critical alert still reaches them', async () => {
    await clear();
    const days = await team('Day visits');
    // The primary carer takes turns in a rotation whose only shift is hours away: off shift now.
    await rotation(days, [primary], [shiftFromNow(8 * 60, 120)]);
    await setLadder('high', [
      { notify: 'assigned', order: 1, waitSeconds: 60 },
      { notify: 'assigned', order: 2, waitSeconds: 60 },
    ]);
    const high = await t.sql.begin((tx) => raiseAlert(tx, raise('high', 'fall')));
    expect(await toldOf(high.alertId)).toEqual([{ staffId: backup, level: 1 }]);
    const critical = await t.sql.begin((tx) => raiseAlert(tx, raise('critical', 'sos')));
    expect((await toldOf(critical.alertId)).map((row) => row.staffId)).toContain(primary);

    // On shift (a shift running now), the same carer is told of a high alert again.
    await t.sql`update on_call_rotations set shifts = ${t.sql.json([shiftFromNow(-30, 120)] as never)}
                 where team_id = ${days}`;
    const again = await t.sql.begin((tx) => raiseAlert(tx, raise('high', 'door_at_night')));
    expect(await toldOf(again.alertId)).toEqual([{ staffId: primary, level: 0 }]);
    const audit = await auditAlerts(t.sql, { from: new Date(Date.now() - 60_000), to: new Date(Date.now() + 60_000) });
    expect(audit.violations).toEqual([]);
  });

  test('someone stood in for by an override is off shift; staff in no rotation keep no hours', async () => {
    await clear();
    const days = await team('Day visits');
    await rotation(days, [primary], null);
    await t.sql`insert into on_call_overrides (org_id, team_id, staff_id, replaces_staff_id, starts_at, ends_at)
                values (${org.orgId}, ${days}, ${staffOf('admin')}, ${primary},
                        now() - interval '1 hour', now() + interval '1 hour')`;
    await setLadder('medium', [{ notify: 'assigned', waitSeconds: 60 }]);
    const raised = await t.sql.begin((tx) => raiseAlert(tx, raise('medium', 'temperature')));
    // The primary is on sick leave (replaced); the backup has no schedule at all and is told.
    expect(await toldOf(raised.alertId)).toEqual([{ staffId: backup, level: 0 }]);
  });

  test('an acknowledgement left past its timeout re-tells the acknowledger only while on shift (below critical)', async () => {
    await clear();
    const days = await team('Day visits');
    await rotation(days, [primary], [shiftFromNow(-30, 120)]);
    await setLadder('high', [{ notify: 'assigned', waitSeconds: 60 }]);
    const raised = await t.sql.begin((tx) => raiseAlert(tx, raise('high', 'fall')));
    const [delivery] = await t.sql<{ id: string }[]>`
      select id from alert_deliveries where alert_id = ${raised.alertId} and staff_id = ${primary}`;
    const acked = await acknowledgeDelivery(t.sql, {
      deliveryId: delivery?.id ?? '',
      staffId: primary,
      orgId: org.orgId,
      nodeId: 'test',
    });
    expect(acked.outcome).toBe('acknowledged');
    // The primary's shift ends; the backup keeps no hours.
    await t.sql`update on_call_rotations set shifts = ${t.sql.json([shiftFromNow(6 * 60, 60)] as never)}
                 where team_id = ${days}`;
    const policy = await policyFor(t.sql, org.orgId, 'high');
    const retold = await t.sql.begin((tx) =>
      retriggerAlert(
        tx,
        { alertId: raised.alertId, orgId: org.orgId, residentId, severity: 'high', level: 0, policy },
        { cause: 'ack_timeout', nodeId: 'test' },
      ),
    );
    expect(retold.map((row) => row.staffId)).toEqual([backup]);
  });

  test('a rotation whose shifts were edited by hand into nonsense puts nobody on call and stops no alert', async () => {
    await clear();
    const night = await team('Night desk');
    await rotation(night, [backup], null);
    await t.sql`update on_call_rotations set shifts = '[{"day":"someday","start":"25:00"}]' where team_id = ${night}`;
    await setLadder('high', [
      { notify: 'on_call', teamId: night, waitSeconds: 60 },
      { notify: 'managers', waitSeconds: 60 },
    ]);
    const raised = await t.sql.begin((tx) => raiseAlert(tx, raise('high', 'fall')));
    expect(await toldOf(raised.alertId)).toEqual([{ staffId: staffOf('manager'), level: 1 }]);
  });
});
