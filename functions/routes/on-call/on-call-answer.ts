import { and, asc, eq, inArray } from 'drizzle-orm';
import { loadOrgSchedule, onCallOfTeam } from '../../../db/on-call/load';
import { formatWallClock, wallClockMinutes } from '../../../db/on-call/wall-clock';
import { staff, teams } from '../../../db/schema';
import type { AppContext } from '../../lib/context';

/** Who is on call at `at` (now when not given) for the organisation's teams, or for one team when `teamId` is set. */
export async function onCallAnswer(c: AppContext, input: { at?: string; teamId?: string }) {
  const { orgId } = c.get('identity');
  const { db, sql } = c.env.services;
  const schedule = await loadOrgSchedule(sql, orgId, input.at ? new Date(input.at) : undefined);
  const teamRows = await db
    .select({ id: teams.id, name: teams.name })
    .from(teams)
    .where(and(eq(teams.orgId, orgId), input.teamId ? eq(teams.id, input.teamId) : undefined))
    .orderBy(asc(teams.name))
    .limit(500);
  const onCall = teamRows.map((team) => ({ team, entries: onCallOfTeam(schedule, team.id) }));
  // The people on call and those they stand in for: every reader sees both names.
  const named = onCall.flatMap(({ entries }) => entries.flatMap((entry) => [entry.staffId, entry.replacesStaffId]));
  const staffIds = [...new Set(named.filter((id): id is string => id !== null))];
  const people =
    staffIds.length === 0
      ? []
      : await db
          .select({ id: staff.id, name: staff.name, role: staff.role, active: staff.active })
          .from(staff)
          .where(and(eq(staff.orgId, orgId), inArray(staff.id, staffIds)));
  const byId = new Map(people.map((person) => [person.id, person]));
  const rotationNames = new Map(schedule.rotations.map((rotation) => [rotation.id, rotation.name ?? null]));
  return {
    at: schedule.at.toISOString(),
    timeZone: schedule.timeZone,
    localTime: formatWallClock(wallClockMinutes(schedule.at, schedule.timeZone)),
    teams: onCall.map(({ team, entries }) => ({
      ...team,
      onCall: entries.flatMap((entry) => {
        const person = byId.get(entry.staffId);
        if (!person) return [];
        return [
          {
            staffId: entry.staffId,
            name: person.name,
            role: person.role,
            active: person.active,
            rotationId: entry.rotationId,
            rotationName: entry.rotationId ? (rotationNames.get(entry.rotationId) ?? null) : null,
            overrideId: entry.overrideId,
            replacesStaffId: entry.replacesStaffId,
            replacesName: entry.replacesStaffId ? (byId.get(entry.replacesStaffId)?.name ?? null) : null,
          },
        ];
      }),
    })),
  };
}
