import { type WeeklyShift, weekdays } from '../schema/on-call';
import {
  MINUTES_PER_DAY,
  MINUTES_PER_WEEK,
  minuteOfWeek,
  parseTimeOfDay,
  parseWallClock,
  turnClockMinutes,
  wallClockMinutes,
  weekMoment,
} from './wall-clock';

export interface RotationSchedule {
  id: string;
  name?: string;
  teamId: string;
  participantIds: string[];
  /** Wall-clock `YYYY-MM-DDTHH:MM` of the first turn's start, in the organisation's time zone. */
  startsAt: string;
  turnDays: number;
  /** Null: on call all week. */
  shifts: WeeklyShift[] | null;
}

export interface OverrideSchedule {
  id: string;
  teamId: string;
  staffId: string;
  replacesStaffId: string | null;
  startsAt: Date;
  endsAt: Date;
  createdAt: Date;
}

/** One person on call for a team, and what put them there. */
export interface OnCallEntry {
  staffId: string;
  rotationId: string | null;
  overrideId: string | null;
  /** Whom the override stands in for (null: a rotation's turn, or an override of the whole team). */
  replacesStaffId: string | null;
}

/** A shift as minutes of the week, [start, end); end passes the week's end for a Sunday night shift. */
export function shiftWindow(shift: WeeklyShift): { start: number; end: number } {
  const dayStart = weekdays.indexOf(shift.day) * MINUTES_PER_DAY;
  const start = dayStart + (parseTimeOfDay(shift.start) ?? 0);
  const end = dayStart + (parseTimeOfDay(shift.end) ?? 0) + (shift.endsNextDay ? MINUTES_PER_DAY : 0);
  return { start, end };
}

function inShifts(shifts: WeeklyShift[] | null, minuteInWeek: number): boolean {
  if (shifts === null) return true;
  return shifts.some((shift) => {
    const { start, end } = shiftWindow(shift);
    return (
      (minuteInWeek >= start && minuteInWeek < end) ||
      (minuteInWeek + MINUTES_PER_WEEK >= start && minuteInWeek + MINUTES_PER_WEEK < end)
    );
  });
}

/** Whose turn it is at a wall-clock minute, whether or not a shift is running; undefined before the first turn. */
export function turnHolder(rotation: RotationSchedule, wallMinutes: number): string | undefined {
  const start = parseWallClock(rotation.startsAt);
  if (start === undefined || wallMinutes < start || rotation.participantIds.length === 0) return undefined;
  const turn = Math.floor((wallMinutes - start) / (rotation.turnDays * MINUTES_PER_DAY));
  return rotation.participantIds[turn % rotation.participantIds.length];
}

/**
 * Who a rotation puts on call at a wall-clock minute: the turn's holder when one of its shifts is running. The turn
 * is read on `turnMinutes` (`turnClockMinutes`), which differs from the wall clock only in the hour the clocks go back.
 */
export function rotationOnCall(
  rotation: RotationSchedule,
  wallMinutes: number,
  turnMinutes = wallMinutes,
): string | undefined {
  return inShifts(rotation.shifts, minuteOfWeek(wallMinutes)) ? turnHolder(rotation, turnMinutes) : undefined;
}

/**
 * Who is on call for one team at an instant: the holders of its rotations' running shifts, then each override
 * running at that instant applied in the order they were made (the last made wins where they overlap) — one that
 * names whom it replaces swaps that person out, one that names nobody takes the whole team's duty.
 */
export function teamOnCallAt(
  team: { rotations: RotationSchedule[]; overrides: OverrideSchedule[] },
  at: Date,
  zone: string,
): OnCallEntry[] {
  const wall = wallClockMinutes(at, zone);
  const turnClock = turnClockMinutes(at, zone);
  // Each place on call remembers whose turn it is, so a later override for that person replaces an earlier one's
  // stand-in instead of finding the person already gone (the last made must win where overrides overlap).
  let places: { entry: OnCallEntry; turnOf: string | null }[] = [];
  for (const rotation of team.rotations) {
    const staffId = rotationOnCall(rotation, wall, turnClock);
    if (staffId) {
      places.push({
        entry: { staffId, rotationId: rotation.id, overrideId: null, replacesStaffId: null },
        turnOf: staffId,
      });
    }
  }
  const running = team.overrides
    .filter((override) => override.startsAt <= at && at < override.endsAt)
    .sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id));
  for (const override of running) {
    const stand: OnCallEntry = {
      staffId: override.staffId,
      rotationId: null,
      overrideId: override.id,
      replacesStaffId: override.replacesStaffId,
    };
    const replaced = override.replacesStaffId;
    places =
      replaced === null
        ? [{ entry: stand, turnOf: null }]
        : places.map((place) =>
            place.entry.staffId === replaced || place.turnOf === replaced
              ? { entry: { ...stand }, turnOf: place.turnOf }
              : place,
          );
  }
  const entries = places.map((place) => place.entry);
  const seen = new Set<string>();
  return entries.filter((entry) => !seen.has(entry.staffId) && seen.add(entry.staffId));
}

/** A stretch of the week no rotation of a team covers. */
export interface CoverageGap {
  from: { day: string; time: string };
  to: { day: string; time: string };
  minutes: number;
}

/**
 * The stretches of a week the rotations' shifts leave uncovered (allowed — a team may be on call only at night —
 * but reported, so a gap is a choice rather than a slip). A gap running over Sunday midnight is one gap.
 */
export function coverageGaps(rotations: Pick<RotationSchedule, 'shifts'>[]): CoverageGap[] {
  const covered = new Uint8Array(MINUTES_PER_WEEK);
  for (const rotation of rotations) {
    if (rotation.shifts === null) return [];
    for (const shift of rotation.shifts) {
      const { start, end } = shiftWindow(shift);
      for (let minute = start; minute < end; minute++) covered[minute % MINUTES_PER_WEEK] = 1;
    }
  }
  const firstCovered = covered.indexOf(1);
  if (firstCovered === -1) {
    return [{ from: weekMoment(0), to: weekMoment(0), minutes: MINUTES_PER_WEEK }];
  }
  const gaps: CoverageGap[] = [];
  // Walk one week from a covered minute, so a gap that wraps past Sunday midnight is seen whole.
  let gapStart: number | undefined;
  for (let step = 1; step <= MINUTES_PER_WEEK; step++) {
    const minute = firstCovered + step;
    const isCovered = covered[minute % MINUTES_PER_WEEK] === 1;
    if (!isCovered && gapStart === undefined) gapStart = minute;
    if (isCovered && gapStart !== undefined) {
      gaps.push({ from: weekMoment(gapStart), to: weekMoment(minute), minutes: minute - gapStart });
      gapStart = undefined;
    }
  }
  return gaps.sort((a, b) => minuteKey(a.from) - minuteKey(b.from));
}

function minuteKey(moment: { day: string; time: string }): number {
  const day = weekdays.indexOf(moment.day as (typeof weekdays)[number]);
  return day * MINUTES_PER_DAY + (parseTimeOfDay(moment.time) ?? 0);
}
