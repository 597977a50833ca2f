import fc from 'fast-check';
import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import { type Weekday, type WeeklyShift, weekdays } from '../schema/on-call';
import { type OrgSchedule, offShiftStaff, onCallOfTeam } from './load';
import { ShiftRule, WallClockRule } from './rules';
import {
  coverageGaps,
  type OverrideSchedule,
  type RotationSchedule,
  rotationOnCall,
  shiftWindow,
  teamOnCallAt,
  turnHolder,
} from './schedule';
import { LONDON, MONDAY, onCall, rotation, SEOUL } from './testing';
import {
  formatWallClock,
  MINUTES_PER_DAY,
  MINUTES_PER_WEEK,
  parseWallClock,
  turnClockMinutes,
  wallClockMinutes,
} from './wall-clock';

/**
 * Properties of the pure on-call rule over generated rotations, overrides, instants and zones (examples in
 * schedule.test.ts). `npm test` runs a bounded number of cases; FUZZ=1 (or a number) runs more, as
 * `npm run test:fuzz` does, and FUZZ_SEED=<seed> replays a failure.
 */
const RUNS = process.env.FUZZ ? (Number(process.env.FUZZ) > 1 ? Number(process.env.FUZZ) : 1_000) : 100;
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
/** Fuzzing runs far more cases than a test's usual 30 s allows. */
const PROPERTY_TIMEOUT = process.env.FUZZ ? 30 * 60_000 : undefined;
const runs = (numRuns = RUNS) => ({ numRuns, ...(SEED === undefined ? {} : { seed: SEED }) });

// ---- generators

const STAFF = ['A', 'B', 'C', 'D', 'E', 'F'];

function hhmm(minuteOfDay: number): string {
  return `${String(Math.floor(minuteOfDay / 60)).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`;
}

/** A valid weekly shift: a start and a length of 1 minute to 24 hours. */
const arbShift: fc.Arbitrary<WeeklyShift> = fc
  .record({
    day: fc.constantFrom(...weekdays),
    start: fc.integer({ min: 0, max: MINUTES_PER_DAY - 1 }),
    length: fc.oneof(fc.integer({ min: 1, max: MINUTES_PER_DAY }), fc.constantFrom(1, 60, MINUTES_PER_DAY)),
  })
  .map(({ day, start, length }) => {
    const end = start + length;
    return end >= MINUTES_PER_DAY
      ? { day, start: hhmm(start), end: hhmm(end % MINUTES_PER_DAY), endsNextDay: true }
      : { day, start: hhmm(start), end: hhmm(end) };
  });

const arbShifts = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 5, arbitrary: fc.array(arbShift, { minLength: 1, maxLength: 6 }) },
);

/** A wall-clock minute between 2024 and 2028. */
const FROM = parseWallClock('2024-01-01T00:00') ?? 0;
const TO = parseWallClock('2028-12-31T23:59') ?? 0;
const arbWall = fc.integer({ min: FROM, max: TO });

const arbRotation = (id: string, teamId: string): fc.Arbitrary<RotationSchedule> =>
  fc.record({
    id: fc.constant(id),
    teamId: fc.constant(teamId),
    participantIds: fc.array(fc.constantFrom(...STAFF), { minLength: 1, maxLength: 5 }),
    startsAt: arbWall.map(formatWallClock),
    turnDays: fc.integer({ min: 1, max: 28 }),
    shifts: arbShifts,
  });

const ZONES = [
  'UTC',
  SEOUL,
  LONDON,
  'America/New_York',
  'Australia/Lord_Howe',
  'Asia/Kolkata',
  'Pacific/Chatham',
  'America/St_Johns',
];

/** Instants from 2024 to 2028, with seconds and milliseconds. */
const arbInstant = fc
  .integer({ min: Date.parse('2024-01-01T00:00:00Z'), max: Date.parse('2028-12-31T00:00:00Z') })
  .map((ms) => new Date(ms));

const arbOverride = (id: string, teamIds: string[]): fc.Arbitrary<OverrideSchedule> =>
  fc
    .record({
      teamId: fc.constantFrom(...teamIds),
      staffId: fc.constantFrom(...STAFF, 'Z'),
      replacesStaffId: fc.option(fc.constantFrom(...STAFF), { nil: null }),
      startsAt: arbInstant,
      hours: fc.integer({ min: 1, max: 92 * 24 }),
      createdAt: arbInstant,
    })
    .map(({ hours, ...fields }) => ({
      id,
      ...fields,
      endsAt: new Date(fields.startsAt.getTime() + hours * 3_600_000),
    }));

/**
 * A team's schedule and an instant, its overrides placed around that instant (most running, some just ended or
 * about to start) and naming few people, so overlaps for the same person are common.
 */
const arbTeamAt = fc
  .record({
    rotations: fc.array(arbRotation('r', 'team'), { maxLength: 4 }),
    overrides: fc.array(
      fc.record({
        override: arbOverride('o', ['team']),
        startsBefore: fc.integer({ min: -2 * 3_600_000, max: 5 * 86_400_000 }),
        lasts: fc.integer({ min: 1, max: 6 * 86_400_000 }),
        createdBefore: fc.integer({ min: 0, max: 30 * 86_400_000 }),
      }),
      { maxLength: 5 },
    ),
    zone: fc.constantFrom(...ZONES),
    at: arbInstant,
  })
  .map(({ rotations, overrides, zone, at }) => ({
    team: {
      rotations: rotations.map((r, i) => ({ ...r, id: `r${i}` })),
      overrides: overrides.map(({ override: o, startsBefore, lasts, createdBefore }, i) => ({
        ...o,
        id: `o${i}`,
        startsAt: new Date(at.getTime() - startsBefore),
        endsAt: new Date(at.getTime() - startsBefore + lasts),
        createdAt: new Date(at.getTime() - startsBefore - createdBefore),
      })),
    },
    zone,
    at,
  }));

/** An organisation's schedule as `loadOrgSchedule` gives it: every rotation, and only the overrides running then. */
const arbSchedule: fc.Arbitrary<OrgSchedule> = fc
  .record({
    rotations: fc.array(
      fc.constantFrom('t1', 't2', 't3').chain((team) => arbRotation('r', team)),
      { maxLength: 5 },
    ),
    overrides: fc.array(arbOverride('o', ['t1', 't2', 't3', 't4']), { maxLength: 4 }),
    at: arbInstant,
    timeZone: fc.constantFrom(...ZONES),
  })
  .map(({ rotations, overrides, at, timeZone }) => ({
    at,
    timeZone,
    rotations: rotations.map((r, i) => ({ ...r, id: `r${i}` })),
    overrides: overrides.map((o, i) => ({
      ...o,
      id: `o${i}`,
      startsAt: new Date(at.getTime() - 1),
      endsAt: o.endsAt > at ? o.endsAt : new Date(at.getTime() + 1),
    })),
  }));

describe('properties over generated schedules', () => {
  test(
    'ShiftRule accepts a shift exactly when it lasts more than nothing and at most 24 hours',
    () => {
      fc.assert(
        fc.property(
          fc.constantFrom(...weekdays),
          fc.integer({ min: 0, max: MINUTES_PER_DAY - 1 }),
          fc.integer({ min: 0, max: MINUTES_PER_DAY - 1 }),
          fc.boolean(),
          (day, start, end, endsNextDay) => {
            const shift = { day, start: hhmm(start), end: hhmm(end), endsNextDay };
            const length = end + (endsNextDay ? MINUTES_PER_DAY : 0) - start;
            expect(v.safeParse(ShiftRule, shift).success).toBe(length > 0 && length <= MINUTES_PER_DAY);
            if (v.safeParse(ShiftRule, shift).success) {
              const window = shiftWindow(shift);
              expect(window.end - window.start).toBe(length);
            }
          },
        ),
        runs(),
      );
    },
    PROPERTY_TIMEOUT,
  );

  test(
    'every minute of years 1–9999 reads back as itself, and WallClockRule accepts it',
    () => {
      const first = Date.parse('0001-01-01T00:00:00Z') / 60_000;
      const last = Date.parse('9999-12-31T23:59:00Z') / 60_000;
      fc.assert(
        fc.property(fc.integer({ min: first, max: last }), (minute) => {
          const text = formatWallClock(minute);
          expect(parseWallClock(text)).toBe(minute);
          expect(v.safeParse(WallClockRule, text).success).toBe(true);
          expect(wallClockMinutes(new Date(minute * 60_000), 'UTC')).toBe(minute);
        }),
        runs(),
      );
    },
    PROPERTY_TIMEOUT,
  );

  test(
    'off shift = every participant of a begun rotation less everyone on call for some team',
    () => {
      fc.assert(
        fc.property(arbSchedule, (generated) => {
          const teams = new Set([...generated.rotations, ...generated.overrides].map((item) => item.teamId));
          const onCallAnywhere = new Set([...teams].flatMap((team) => onCallOfTeam(generated, team)));
          const turnClock = turnClockMinutes(generated.at, generated.timeZone);
          const begun = generated.rotations.filter((r) => turnHolder(r, turnClock) !== undefined);
          const expected = new Set(begun.flatMap((r) => r.participantIds));
          for (const entry of onCallAnywhere) expected.delete(entry.staffId);
          expect([...offShiftStaff(generated)].sort()).toEqual([...expected].sort());
        }),
        runs(),
      );
    },
    PROPERTY_TIMEOUT,
  );

  test(
    'at most one entry per rotation, no one listed twice, and everyone listed has a reason to be',
    () => {
      fc.assert(
        fc.property(arbTeamAt, ({ team, zone, at }) => {
          const entries = teamOnCallAt(team, at, zone);
          const staff = entries.map((entry) => entry.staffId);
          expect(new Set(staff).size).toBe(staff.length);
          const rotationIds = entries.flatMap((entry) => (entry.rotationId ? [entry.rotationId] : []));
          expect(new Set(rotationIds).size).toBe(rotationIds.length);
          const wall = wallClockMinutes(at, zone);
          const turnClock = turnClockMinutes(at, zone);
          const running = team.overrides.filter((o) => o.startsAt <= at && at < o.endsAt);
          const inOrder = [...running].sort(
            (a, b) => a.createdAt.getTime() - b.createdAt.getTime() || a.id.localeCompare(b.id),
          );
          for (const entry of entries) {
            expect(entry.rotationId === null).toBe(entry.overrideId !== null);
            if (entry.rotationId !== null) {
              const source = team.rotations.find((r) => r.id === entry.rotationId);
              expect(source && rotationOnCall(source, wall, turnClock)).toBe(entry.staffId);
            } else {
              const source = running.find((o) => o.id === entry.overrideId);
              expect(source?.staffId).toBe(entry.staffId);
              expect(source?.replacesStaffId).toBe(entry.replacesStaffId);
            }
          }
          const holders = team.rotations.flatMap((r) => rotationOnCall(r, wall, turnClock) ?? []);
          if (running.length === 0) expect(staff).toEqual([...new Set(holders)]);
          // The last override made for a person holding a turn puts its stand-in on call, unless a whole-team override
          // (made before: the person is no longer on call; after: it takes the team) or an override for that stand-in
          // was made after it.
          inOrder.forEach((o, i) => {
            const later = inOrder.slice(i + 1);
            if (
              o.replacesStaffId !== null &&
              holders.includes(o.replacesStaffId) &&
              inOrder.slice(0, i).every((e) => e.replacesStaffId !== null) &&
              later.every((l) => l.replacesStaffId !== null && l.replacesStaffId !== o.replacesStaffId) &&
              later.every((l) => l.replacesStaffId !== o.staffId)
            ) {
              expect(staff).toContain(o.staffId);
            }
          });
          // The last override made, when it names nobody, leaves only its stand-in.
          const last = inOrder.at(-1);
          if (last && last.replacesStaffId === null) expect(staff).toEqual([last.staffId]);
        }),
        runs(),
      );
    },
    PROPERTY_TIMEOUT,
  );

  test(
    'the turn holder changes only a whole number of turns (turnDays days, wall clock) after startsAt',
    () => {
      fc.assert(
        fc.property(arbRotation('r', 'team'), arbWall, (generated, wall) => {
          const start = parseWallClock(generated.startsAt) ?? 0;
          const turn = generated.turnDays * MINUTES_PER_DAY;
          const n = generated.participantIds.length;
          const holder = turnHolder(generated, wall);
          if (wall < start) {
            expect(holder).toBeUndefined();
            expect(turnHolder(generated, start - 1)).toBeUndefined();
            return;
          }
          const index = Math.floor((wall - start) / turn);
          const turnStart = start + index * turn;
          // The holder is the same over the whole turn, and it is the participant whose turn it is.
          expect(holder).toBe(generated.participantIds[index % n]);
          expect(turnHolder(generated, turnStart)).toBe(holder);
          expect(turnHolder(generated, turnStart + turn - 1)).toBe(holder);
          // Where the holder changes from one minute to the next, a turn starts.
          if (turnHolder(generated, wall - 1) !== holder) expect((wall - start) % turn).toBe(0);
          // The next turn belongs to the next participant.
          expect(turnHolder(generated, turnStart + turn)).toBe(generated.participantIds[(index + 1) % n]);
        }),
        runs(),
      );
    },
    PROPERTY_TIMEOUT,
  );

  test(
    'over instants, the holder changes only where the wall clock reaches the next handover time',
    () => {
      fc.assert(
        fc.property(
          arbRotation('r', 'team').map((r) => ({
            ...r,
            participantIds: ['P0', 'P1', 'P2', 'P3'].slice(0, r.participantIds.length),
            shifts: null,
          })),
          fc.constantFrom(...ZONES),
          arbInstant,
          (generated, zone, at) => {
            const holder = (instant: Date) => onCall({ rotations: [generated] }, instant.toISOString(), zone)[0];
            const next = new Date(at.getTime() + 60_000);
            const start = parseWallClock(generated.startsAt) ?? 0;
            const turn = generated.turnDays * MINUTES_PER_DAY;
            const turnsBy = (instant: Date) =>
              Math.max(-1, Math.floor((wallClockMinutes(instant, zone) - start) / turn));
            if (holder(at) !== holder(next)) {
              expect(turnsBy(next)).toBe(turnsBy(at) + 1);
              const n = generated.participantIds.length;
              expect(holder(next)).toBe(generated.participantIds[turnsBy(next) % n]);
            }
          },
        ),
        runs(),
      );
    },
    PROPERTY_TIMEOUT,
  );

  test(
    'through every clock change, the holder is the one whose turn the wall clock has reached, never handed back',
    () => {
      const changes = ZONES.flatMap((zone) => clockChanges(zone, 2026).map((at) => ({ zone, at })));
      expect(clockChanges(LONDON, 2026).map((at) => at.toISOString())).toEqual([
        '2026-03-29T01:00:00.000Z',
        '2026-10-25T01:00:00.000Z',
      ]);
      expect(changes.length).toBe(10);
      fc.assert(
        fc.property(
          fc.constantFrom(...changes),
          fc.integer({ min: -180, max: 180 }),
          fc.integer({ min: 1, max: 3 }),
          fc.integer({ min: 0, max: 4 }),
          fc.integer({ min: 2, max: 4 }),
          fc.integer({ min: 0, max: 59_999 }),
          ({ zone, at: change }, handoverFromChange, turnDays, turnsBefore, n, ms) => {
            // A handover within three hours of the change (on the wall clock just before it), some turns in.
            const changeMinute = change.getTime() / 60_000;
            const handover = wallClockMinutes(new Date(change.getTime() - 60_000), zone) + 1 + handoverFromChange;
            const start = handover - turnsBefore * turnDays * MINUTES_PER_DAY;
            const participantIds = ['P0', 'P1', 'P2', 'P3'].slice(0, n);
            const team = { rotations: [rotation({ participantIds, startsAt: formatWallClock(start), turnDays })] };
            let reached = Number.NEGATIVE_INFINITY;
            let lastTurn = Number.NEGATIVE_INFINITY;
            for (let minute = changeMinute - 240; minute <= changeMinute + 240; minute++) {
              const at = new Date(minute * 60_000 + ms);
              reached = Math.max(reached, wallClockMinutes(at, zone));
              const turn = reached < start ? -1 : Math.floor((reached - start) / (turnDays * MINUTES_PER_DAY));
              expect(turn).toBeGreaterThanOrEqual(lastTurn);
              lastTurn = turn;
              const expected = turn < 0 ? [] : [participantIds[turn % n]];
              const actual = onCall(team, at.toISOString(), zone);
              if (actual.join() !== expected.join()) {
                expect({ at: at.toISOString(), actual }).toEqual({ at: at.toISOString(), actual: expected });
              }
            }
          },
        ),
        runs(process.env.FUZZ ? RUNS : 30),
      );
    },
    PROPERTY_TIMEOUT,
  );

  test(
    'a minute of the week is covered by a shift exactly when it lies in no reported gap',
    () => {
      const monday = parseWallClock(`${MONDAY}T00:00`) ?? 0;
      fc.assert(
        fc.property(
          fc.array(arbShifts, { maxLength: 4 }),
          fc.array(fc.integer({ min: 0, max: MINUTES_PER_WEEK - 1 }), { minLength: 50, maxLength: 50 }),
          (shiftsList, sampled) => {
            const rotations = shiftsList.map((shifts, i) =>
              rotation({ id: `r${i}`, participantIds: ['A'], startsAt: '2000-01-03T00:00', shifts }),
            );
            const gaps = coverageGaps(rotations);
            // Every minute of the week, not a sample: 10,080 checks are cheap when they are not each an expect.
            const inGap = new Uint8Array(MINUTES_PER_WEEK);
            let gapMinutes = 0;
            let overlapping = 0;
            for (const found of gaps) {
              const from = weekMinute(found.from);
              expect(found.minutes).toBeGreaterThan(0);
              expect((from + found.minutes) % MINUTES_PER_WEEK).toBe(weekMinute(found.to));
              for (let m = from; m < from + found.minutes; m++) {
                if (inGap[m % MINUTES_PER_WEEK] === 1) overlapping++;
                inGap[m % MINUTES_PER_WEEK] = 1;
              }
              gapMinutes += found.minutes;
            }
            expect(overlapping).toBe(0);
            let coveredMinutes = 0;
            const wrong: number[] = [];
            for (let m = 0; m < MINUTES_PER_WEEK; m++) {
              const covered = rotations.some((r) => rotationOnCall(r, monday + m) !== undefined);
              if (covered) coveredMinutes++;
              if ((inGap[m] === 1) === covered) wrong.push(m);
            }
            expect(wrong).toEqual([]);
            expect(gapMinutes + coveredMinutes).toBe(MINUTES_PER_WEEK);
            // Between two gaps lies cover: a gap is never reported as two that touch.
            for (const found of gaps) {
              const end = (weekMinute(found.from) + found.minutes) % MINUTES_PER_WEEK;
              if (found.minutes < MINUTES_PER_WEEK) expect(inGap[end]).toBe(0);
            }
            // The same answer through the whole path, at sampled minutes, in a zone and in a later week.
            for (const m of sampled) {
              const at = new Date((monday + 52 * 7 * MINUTES_PER_DAY + m - 9 * 60) * 60_000);
              const covered = teamOnCallAt({ rotations, overrides: [] }, at, SEOUL).length > 0;
              expect(covered).toBe(inGap[m] === 0);
            }
            const froms = gaps.map((found) => weekMinute(found.from));
            expect(froms).toEqual([...froms].sort((a, b) => a - b));
          },
        ),
        runs(),
      );
    },
    PROPERTY_TIMEOUT,
  );
});

/** The instants a zone's clocks change in a year, read off its wall clock rather than from a table that goes stale. */
function clockChanges(zone: string, year: number): Date[] {
  const offset = (minute: number) => wallClockMinutes(new Date(minute * 60_000), zone) - minute;
  const changes: Date[] = [];
  for (let day = Date.UTC(year, 0, 1) / 60_000; day < Date.UTC(year + 1, 0, 1) / 60_000; day += MINUTES_PER_DAY) {
    let [before, after] = [day, day + MINUTES_PER_DAY];
    if (offset(before) === offset(after)) continue;
    while (after - before > 1) {
      const middle = Math.floor((before + after) / 2);
      if (offset(middle) === offset(day)) before = middle;
      else after = middle;
    }
    changes.push(new Date(after * 60_000));
  }
  return changes;
}

function weekMinute(moment: { day: string; time: string }): number {
  const [hours, minutes] = moment.time.split(':').map(Number) as [number, number];
  return weekdays.indexOf(moment.day as Weekday) * MINUTES_PER_DAY + hours * 60 + minutes;
}
