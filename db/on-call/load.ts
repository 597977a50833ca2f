import type postgres from 'postgres';
import * as v from 'valibot';
import { defaultOrganisationSettings } from '../defaults';
import { reportDbDiagnostic } from '../diagnostics';
import { usableSetting } from '../organisation-settings';
import { RotationRules } from './rules';
import { type OnCallEntry, type OverrideSchedule, type RotationSchedule, teamOnCallAt, turnHolder } from './schedule';
import { turnClockMinutes } from './wall-clock';

type Sql = postgres.TransactionSql | postgres.Sql;

/** An organisation's on-call schedule as it stands at one instant: every rotation, the overrides running then. */
export interface OrgSchedule {
  at: Date;
  timeZone: string;
  rotations: RotationSchedule[];
  overrides: OverrideSchedule[];
}

interface ScheduleRow {
  at: Date;
  timeZone: unknown;
  rotations: (Omit<RotationSchedule, 'shifts'> & { shifts: unknown })[];
  overrides: (Omit<OverrideSchedule, 'startsAt' | 'endsAt' | 'createdAt'> & {
    startsAt: string;
    endsAt: string;
    createdAt: string;
  })[];
}

const StoredShifts = RotationRules.shifts;

/**
 * Reads an organisation's schedule at `at` (the transaction's `now()` when not given). A rotation whose shifts were
 * edited by hand into something the API would refuse is left out and reported: it must not fail the ladder that
 * reads it.
 */
export async function loadOrgSchedule(sql: Sql, orgId: string, at?: Date): Promise<OrgSchedule> {
  const [row] = await sql<ScheduleRow[]>`
    with moment as (select coalesce(${at ?? null}::timestamptz, now()) as at)
    select moment.at,
           (select settings->'timeZone' from organisations where id = ${orgId}) as "timeZone",
           (select coalesce(json_agg(json_build_object(
                     'id', r.id, 'name', r.name, 'teamId', r.team_id, 'participantIds', r.participant_ids,
                     'startsAt', to_char(r.starts_at, 'YYYY-MM-DD"T"HH24:MI'), 'turnDays', r.turn_days,
                     'shifts', r.shifts) order by r.created_at, r.id), '[]')
              from on_call_rotations r where r.org_id = ${orgId}) as rotations,
           (select coalesce(json_agg(json_build_object(
                     'id', o.id, 'teamId', o.team_id, 'staffId', o.staff_id, 'replacesStaffId', o.replaces_staff_id,
                     'startsAt', o.starts_at, 'endsAt', o.ends_at, 'createdAt', o.created_at)), '[]')
              from on_call_overrides o
             where o.org_id = ${orgId} and o.starts_at <= moment.at and o.ends_at > moment.at) as overrides
      from moment`;
  if (!row) throw new Error('schedule query returned no row');
  const rotations: RotationSchedule[] = [];
  for (const rotation of row.rotations) {
    const shifts = v.safeParse(StoredShifts, rotation.shifts);
    if (shifts.success) rotations.push({ ...rotation, shifts: shifts.output });
    else {
      reportDbDiagnostic({
        level: 'warn',
        scope: 'on-call',
        message: 'malformed rotation shifts; the rotation puts nobody on call',
        fields: { orgId, rotationId: rotation.id },
      });
    }
  }
  return {
    at: row.at,
    timeZone: usableSetting('timeZone', row.timeZone) ?? defaultOrganisationSettings.timeZone,
    rotations,
    overrides: row.overrides.map((override) => ({
      ...override,
      startsAt: new Date(override.startsAt),
      endsAt: new Date(override.endsAt),
      createdAt: new Date(override.createdAt),
    })),
  };
}

/**
 * The organisation's schedule at `at`, read on first use and then kept: one ladder walk (or re-trigger) may ask it
 * about several steps, and each would otherwise read it again in the alert's transaction.
 */
export function scheduleOnce(sql: Sql, orgId: string, at?: Date): () => Promise<OrgSchedule> {
  let schedule: Promise<OrgSchedule> | undefined;
  return () => {
    schedule ??= loadOrgSchedule(sql, orgId, at);
    return schedule;
  };
}

/** Who is on call for one team in a loaded schedule. */
export function onCallOfTeam(schedule: OrgSchedule, teamId: string): OnCallEntry[] {
  return teamOnCallAt(
    {
      rotations: schedule.rotations.filter((rotation) => rotation.teamId === teamId),
      overrides: schedule.overrides.filter((override) => override.teamId === teamId),
    },
    schedule.at,
    schedule.timeZone,
  );
}

/**
 * Staff who have a schedule — they take turns in some rotation that has begun — and are on call for no team at the
 * schedule's instant: off shift. Staff in no rotation keep no hours and are never off shift; nor, until its first
 * turn, do the participants of a rotation written to start later (it puts nobody on call before then).
 */
export function offShiftStaff(schedule: OrgSchedule): Set<string> {
  const turnClock = turnClockMinutes(schedule.at, schedule.timeZone);
  const begun = schedule.rotations.filter((rotation) => turnHolder(rotation, turnClock) !== undefined);
  const scheduled = new Set(begun.flatMap((rotation) => rotation.participantIds));
  if (scheduled.size === 0) return scheduled;
  const teamIds = new Set([...schedule.rotations, ...schedule.overrides].map((item) => item.teamId));
  for (const teamId of teamIds) {
    for (const entry of onCallOfTeam(schedule, teamId)) scheduled.delete(entry.staffId);
  }
  return scheduled;
}
