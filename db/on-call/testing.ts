// Builders shared by the on-call rule's example tests (schedule.test.ts) and its properties (schedule.property.test.ts).
import type { Weekday, WeeklyShift } from '../schema/on-call';
import { weekdays } from '../schema/on-call';
import { type OverrideSchedule, type RotationSchedule, teamOnCallAt } from './schedule';

export const SEOUL = 'Asia/Seoul';
export const LONDON = 'Europe/London';
/** 2026-01-05 is a Monday: week 1 of the example rotations starts then. */
export const MONDAY = '2026-01-05';

export function rotation(fields: Partial<RotationSchedule> = {}): RotationSchedule {
  return {
    id: 'rota',
    teamId: 'team',
    participantIds: ['A', 'B', 'C'],
    startsAt: `${MONDAY}T09:00`,
    turnDays: 7,
    shifts: null,
    ...fields,
  };
}

export function override(
  fields: Partial<OverrideSchedule> & Pick<OverrideSchedule, 'id' | 'staffId'>,
): OverrideSchedule {
  return {
    teamId: 'team',
    replacesStaffId: null,
    startsAt: new Date('2026-01-01T00:00:00Z'),
    endsAt: new Date('2026-02-01T00:00:00Z'),
    createdAt: new Date('2025-12-01T00:00:00Z'),
    ...fields,
  };
}

export type Team = { rotations: RotationSchedule[]; overrides: OverrideSchedule[] };

/** Staff on call at an instant written in UTC. */
export function onCall(team: Partial<Team>, utc: string, zone = 'UTC'): string[] {
  const entries = teamOnCallAt({ rotations: [], overrides: [], ...team }, new Date(utc), zone);
  return entries.map((entry) => entry.staffId);
}

export const night = (day: Weekday, start: string, end: string): WeeklyShift => ({
  day,
  start,
  end,
  endsNextDay: true,
});
export const everyDay = (start: string, end: string, endsNextDay = false): WeeklyShift[] =>
  weekdays.map((day) => ({ day, start, end, ...(endsNextDay ? { endsNextDay } : {}) }));
