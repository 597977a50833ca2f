import * as v from 'valibot';
import { describe, expect, test } from 'vitest';
import type { Weekday } from '../schema/on-call';
import { type OrgSchedule, offShiftStaff, onCallOfTeam } from './load';
import { ShiftRule, WallClockRule } from './rules';
import { coverageGaps, type OverrideSchedule, rotationOnCall, shiftWindow, teamOnCallAt, turnHolder } from './schedule';
import { everyDay, LONDON, MONDAY, night, onCall, override, rotation, SEOUL } from './testing';
import {
  formatWallClock,
  MINUTES_PER_DAY,
  MINUTES_PER_WEEK,
  minuteOfWeek,
  parseWallClock,
  turnClockMinutes,
  wallClockMinutes,
} from './wall-clock';

/**
 * The pure on-call rule, with the instant passed in as the clock. Instants are written in UTC with the zone's local
 * time beside them, so each case states both what the clock on the wall shows and what the server sees. The
 * properties over generated schedules are in schedule.property.test.ts.
 */

describe('the wall clock: instants read in the organisation’s zone', () => {
  test.each([
    ['2026-01-12T14:59:00Z', SEOUL, '2026-01-12T23:59'],
    ['2026-01-12T15:00:00Z', SEOUL, '2026-01-13T00:00'],
    ['2026-01-12T20:59:59.999Z', SEOUL, '2026-01-13T05:59'],
    ['2026-03-29T00:59:00Z', LONDON, '2026-03-29T00:59'],
    ['2026-03-29T01:00:00Z', LONDON, '2026-03-29T02:00'],
    ['2026-10-25T00:59:00Z', LONDON, '2026-10-25T01:59'],
    ['2026-10-25T01:00:00Z', LONDON, '2026-10-25T01:00'],
    ['2026-01-05T00:00:00Z', 'UTC', '2026-01-05T00:00'],
  ])('%s in %s shows %s', (utc, zone, local) => {
    expect(formatWallClock(wallClockMinutes(new Date(utc), zone))).toBe(local);
  });

  test('the turn clock holds at the last minute shown before the clocks go back, until the wall clock passes it', () => {
    const turnClock = (utc: string, zone = LONDON) => formatWallClock(turnClockMinutes(new Date(utc), zone));
    expect(turnClock('2026-10-25T00:59:59Z')).toBe('2026-10-25T01:59');
    expect(turnClock('2026-10-25T01:00:00Z')).toBe('2026-10-25T01:59');
    expect(turnClock('2026-10-25T01:59:59Z')).toBe('2026-10-25T01:59');
    expect(turnClock('2026-10-25T02:00:00Z')).toBe('2026-10-25T02:00');
    expect(turnClock('2026-03-29T01:00:00Z')).toBe('2026-03-29T02:00');
    expect(turnClock('2026-07-01T12:00:00Z')).toBe('2026-07-01T13:00');
    expect(turnClock('2026-04-04T15:00:00Z', 'Australia/Lord_Howe')).toBe('2026-04-05T01:59');
    expect(turnClock('2026-04-04T15:30:00Z', 'Australia/Lord_Howe')).toBe('2026-04-05T02:00');
    expect(turnClock('2026-01-12T14:59:00Z', SEOUL)).toBe('2026-01-12T23:59');
  });

  test('Monday 00:00 is minute 0 of the week and Sunday 23:59 the last', () => {
    expect(minuteOfWeek(parseWallClock(`${MONDAY}T00:00`) ?? -1)).toBe(0);
    expect(minuteOfWeek(parseWallClock('2026-01-11T23:59') ?? -1)).toBe(MINUTES_PER_WEEK - 1);
    expect(minuteOfWeek(parseWallClock('1969-12-29T00:00') ?? -1)).toBe(0);
  });
});

describe('a night shift across midnight (Asia/Seoul, UTC+9)', () => {
  const nights = { rotations: [rotation({ participantIds: ['N'], shifts: [night('mon', '22:00', '06:00')] })] };

  test.each([
    ['2026-01-12T13:00:00Z', 'Mon 22:00', ['N']],
    ['2026-01-12T14:59:00Z', 'Mon 23:59', ['N']],
    ['2026-01-12T15:00:00Z', 'Tue 00:00', ['N']],
    ['2026-01-12T20:59:00Z', 'Tue 05:59', ['N']],
    ['2026-01-12T20:59:59.999Z', 'Tue 05:59:59.999', ['N']],
    ['2026-01-12T21:00:00Z', 'Tue 06:00', []],
    ['2026-01-12T12:59:00Z', 'Mon 21:59', []],
    ['2026-01-13T14:59:00Z', 'Tue 23:59', []],
  ])('%s (%s in Seoul): %j', (utc, _local, expected) => {
    expect(onCall(nights, utc, SEOUL)).toEqual(expected);
  });

  test('the same instants read in UTC fall outside the shift: the zone decides', () => {
    expect(onCall(nights, '2026-01-12T14:59:00Z', 'UTC')).toEqual([]);
    expect(onCall(nights, '2026-01-12T22:30:00Z', 'UTC')).toEqual(['N']);
  });
});

describe('a Sunday night shift wraps into Monday (the week boundary)', () => {
  const sundayNights = { rotations: [rotation({ participantIds: ['S'], shifts: [night('sun', '20:00', '08:00')] })] };

  test.each([
    ['2026-01-11T19:59:00Z', 'Sun 19:59', []],
    ['2026-01-11T20:00:00Z', 'Sun 20:00', ['S']],
    ['2026-01-11T23:59:00Z', 'Sun 23:59', ['S']],
    ['2026-01-12T00:00:00Z', 'Mon 00:00', ['S']],
    ['2026-01-12T07:59:00Z', 'Mon 07:59', ['S']],
    ['2026-01-12T08:00:00Z', 'Mon 08:00', []],
  ])('%s (%s): %j', (utc, _local, expected) => {
    expect(onCall(sundayNights, utc)).toEqual(expected);
  });

  test('its window runs past the end of the week, and the Monday morning is matched a week on', () => {
    expect(shiftWindow(night('sun', '20:00', '08:00'))).toEqual({
      start: 6 * MINUTES_PER_DAY + 20 * 60,
      end: MINUTES_PER_WEEK + 8 * 60,
    });
  });

  test('the week’s handover on Monday 09:00 comes after the Sunday night, so it is the old week’s holder', () => {
    const team = { rotations: [rotation({ shifts: [night('sun', '20:00', '08:00')] })] };
    expect(onCall(team, '2026-01-11T20:00:00Z')).toEqual(['A']);
    expect(onCall(team, '2026-01-12T07:59:00Z')).toEqual(['A']);
    expect(onCall(team, '2026-01-18T20:00:00Z')).toEqual(['B']);
  });
});

describe('turns: who holds the duty', () => {
  const weekly = { rotations: [rotation()] };

  test.each([
    ['2026-01-05T08:59:00Z', 'before startsAt', []],
    ['2026-01-05T09:00:00Z', 'week 1 starts', ['A']],
    ['2026-01-12T08:59:00Z', 'week 2, Mon 08:59', ['A']],
    ['2026-01-12T08:59:59.999Z', 'week 2, Mon 08:59:59.999', ['A']],
    ['2026-01-12T09:00:00Z', 'week 2, Mon 09:00', ['B']],
    ['2026-01-19T09:00:00Z', 'week 3', ['C']],
    ['2026-01-26T08:59:00Z', 'week 3, last minute', ['C']],
    ['2026-01-26T09:00:00Z', 'week 4 wraps', ['A']],
    ['2027-01-04T09:00:00Z', 'week 53: 52 turns on', ['B']],
  ])('weekly [A,B,C] from Mon 09:00 at %s (%s): %j', (utc, _what, expected) => {
    expect(onCall(weekly, utc)).toEqual(expected);
  });

  test('before the first turn nobody holds it, and the rotation puts nobody on call', () => {
    const start = parseWallClock(`${MONDAY}T09:00`) ?? 0;
    expect(turnHolder(rotation(), start - 1)).toBeUndefined();
    expect(turnHolder(rotation(), start - 100 * MINUTES_PER_DAY)).toBeUndefined();
    expect(turnHolder(rotation(), start)).toBe('A');
  });

  test.each([
    ['2026-01-05T09:00:00Z', 'A'],
    ['2026-01-06T08:59:00Z', 'A'],
    ['2026-01-06T09:00:00Z', 'B'],
    ['2026-01-07T09:00:00Z', 'C'],
    ['2026-01-08T08:59:00Z', 'C'],
    ['2026-01-08T09:00:00Z', 'A'],
  ])('a daily rotation (turnDays 1) at %s: %s', (utc, expected) => {
    expect(onCall({ rotations: [rotation({ turnDays: 1 })] }, utc)).toEqual([expected]);
  });

  test('the turn holder is on call only inside a shift, though the turn runs on outside it', () => {
    const weekdaysOnly = rotation({ shifts: everyDay('09:00', '17:00').slice(0, 5) });
    const saturdayNoon = parseWallClock('2026-01-10T12:00') ?? 0;
    expect(turnHolder(weekdaysOnly, saturdayNoon)).toBe('A');
    expect(rotationOnCall(weekdaysOnly, saturdayNoon)).toBeUndefined();
    expect(rotationOnCall(weekdaysOnly, parseWallClock('2026-01-09T12:00') ?? 0)).toBe('A');
  });

  test('a handover inside a night shift changes the holder at the handover instant (Seoul)', () => {
    // Turns hand over on Tuesday 03:00, in the middle of the Monday night shift.
    const team = {
      rotations: [
        rotation({
          participantIds: ['A', 'B'],
          startsAt: '2026-01-06T03:00',
          shifts: [night('mon', '22:00', '06:00')],
        }),
      ],
    };
    expect(onCall(team, '2026-01-12T13:00:00Z', SEOUL)).toEqual(['A']); // Mon 22:00
    expect(onCall(team, '2026-01-12T17:59:00Z', SEOUL)).toEqual(['A']); // Tue 02:59
    expect(onCall(team, '2026-01-12T18:00:00Z', SEOUL)).toEqual(['B']); // Tue 03:00
    expect(onCall(team, '2026-01-12T20:59:00Z', SEOUL)).toEqual(['B']); // Tue 05:59
    expect(onCall(team, '2026-01-12T21:00:00Z', SEOUL)).toEqual([]); // Tue 06:00
    expect(onCall(team, '2026-01-19T17:59:00Z', SEOUL)).toEqual(['B']); // next Tue 02:59
    expect(onCall(team, '2026-01-19T18:00:00Z', SEOUL)).toEqual(['A']); // next Tue 03:00
  });

  test('a rotation whose startsAt cannot be read puts nobody on call', () => {
    expect(onCall({ rotations: [rotation({ startsAt: '2026-02-30T09:00' })] }, '2026-03-10T12:00:00Z')).toEqual([]);
    expect(onCall({ rotations: [rotation({ participantIds: [] })] }, '2026-03-10T12:00:00Z')).toEqual([]);
  });
});

describe('daylight saving: a 09:00 handover stays at 09:00 local (Europe/London)', () => {
  // Weekly from Monday 2026-03-02 09:00; the clocks go forward on Sunday 29 March and back on Sunday 25 October.
  const weekly = { rotations: [rotation({ startsAt: '2026-03-02T09:00' })] };

  test.each([
    ['2026-03-23T08:59:00Z', 'Mar 23 08:59 GMT', 'C'],
    ['2026-03-23T09:00:00Z', 'Mar 23 09:00 GMT', 'A'],
    ['2026-03-30T07:59:00Z', 'Mar 30 08:59 BST', 'A'],
    ['2026-03-30T08:00:00Z', 'Mar 30 09:00 BST', 'B'],
    ['2026-10-19T07:59:00Z', 'Oct 19 08:59 BST', 'C'],
    ['2026-10-19T08:00:00Z', 'Oct 19 09:00 BST', 'A'],
    ['2026-10-26T08:59:00Z', 'Oct 26 08:59 GMT', 'A'],
    ['2026-10-26T09:00:00Z', 'Oct 26 09:00 GMT', 'B'],
  ])('%s (%s): %s', (utc, _local, expected) => {
    expect(onCall(weekly, utc, LONDON)).toEqual([expected]);
  });

  test('a daily rotation’s turn on the day the clocks go forward lasts 23 hours, and 25 when they go back', () => {
    const daily = { rotations: [rotation({ startsAt: '2026-03-27T09:00', turnDays: 1 })] };
    expect(onCall(daily, '2026-03-28T09:00:00Z', LONDON)).toEqual(['B']); // Sat 09:00 GMT
    expect(onCall(daily, '2026-03-29T07:59:00Z', LONDON)).toEqual(['B']); // Sun 08:59 BST
    expect(onCall(daily, '2026-03-29T08:00:00Z', LONDON)).toEqual(['C']); // Sun 09:00 BST, 23 h later
    const autumn = { rotations: [rotation({ startsAt: '2026-10-23T09:00', turnDays: 1 })] };
    expect(onCall(autumn, '2026-10-24T08:00:00Z', LONDON)).toEqual(['B']); // Sat 09:00 BST
    expect(onCall(autumn, '2026-10-25T08:59:00Z', LONDON)).toEqual(['B']); // Sun 08:59 GMT
    expect(onCall(autumn, '2026-10-25T09:00:00Z', LONDON)).toEqual(['C']); // Sun 09:00 GMT, 25 h later
  });

  test('a handover inside the hour shown twice when the clocks go back happens once: the turn is not handed back', () => {
    // Sunday 25 October 2026: 01:00–01:59 is shown twice, first in BST (00:00Z–00:59Z), then in GMT (01:00Z–01:59Z).
    const daily = { rotations: [rotation({ startsAt: '2026-10-24T01:30', turnDays: 1 })] };
    expect(onCall(daily, '2026-10-25T00:29:00Z', LONDON)).toEqual(['A']); // 01:29 BST
    expect(onCall(daily, '2026-10-25T00:30:00Z', LONDON)).toEqual(['B']); // 01:30 BST: handover
    expect(onCall(daily, '2026-10-25T01:00:00Z', LONDON)).toEqual(['B']); // 01:00 GMT, shown again
    expect(onCall(daily, '2026-10-25T01:29:59Z', LONDON)).toEqual(['B']); // 01:29 GMT
    expect(onCall(daily, '2026-10-25T01:30:00Z', LONDON)).toEqual(['B']); // 01:30 GMT: no second handover
    expect(onCall(daily, '2026-10-26T01:29:00Z', LONDON)).toEqual(['B']); // Monday 01:29 GMT
    expect(onCall(daily, '2026-10-26T01:30:00Z', LONDON)).toEqual(['C']); // Monday 01:30 GMT
    // Lord Howe Island puts its clocks back half an hour, 02:00 to 01:30, on Sunday 5 April 2026.
    const lordHowe = { rotations: [rotation({ startsAt: '2026-04-04T01:45', turnDays: 1 })] };
    expect(onCall(lordHowe, '2026-04-04T14:44:00Z', 'Australia/Lord_Howe')).toEqual(['A']); // 01:44 +11:00
    expect(onCall(lordHowe, '2026-04-04T14:45:00Z', 'Australia/Lord_Howe')).toEqual(['B']); // 01:45 +11:00
    expect(onCall(lordHowe, '2026-04-04T15:00:00Z', 'Australia/Lord_Howe')).toEqual(['B']); // 01:30 +10:30
    expect(onCall(lordHowe, '2026-04-04T15:20:00Z', 'Australia/Lord_Howe')).toEqual(['B']); // 01:50 +10:30
  });

  test('a shift in the hour shown twice runs both times; a handover in the hour skipped happens as it is skipped', () => {
    const oneToTwo = { rotations: [rotation({ startsAt: '2026-10-19T09:00', shifts: everyDay('01:00', '02:00') })] };
    expect(onCall(oneToTwo, '2026-10-25T00:30:00Z', LONDON)).toEqual(['A']); // 01:30 BST
    expect(onCall(oneToTwo, '2026-10-25T01:30:00Z', LONDON)).toEqual(['A']); // 01:30 GMT
    expect(onCall(oneToTwo, '2026-10-25T02:00:00Z', LONDON)).toEqual([]); // 02:00 GMT
    const spring = { rotations: [rotation({ startsAt: '2026-03-28T01:30', turnDays: 1 })] };
    expect(onCall(spring, '2026-03-29T00:59:59Z', LONDON)).toEqual(['A']); // 00:59 GMT
    expect(onCall(spring, '2026-03-29T01:00:00Z', LONDON)).toEqual(['B']); // 02:00 BST
  });

  test('a 09:00–17:00 shift keeps its local hours across the change', () => {
    const days = { rotations: [rotation({ startsAt: '2026-03-02T09:00', shifts: everyDay('09:00', '17:00') })] };
    expect(onCall(days, '2026-03-27T16:59:00Z', LONDON)).toEqual(['A']); // Fri 16:59 GMT
    expect(onCall(days, '2026-03-27T17:00:00Z', LONDON)).toEqual([]); // Fri 17:00 GMT
    expect(onCall(days, '2026-03-30T15:59:00Z', LONDON)).toEqual(['B']); // Mon 16:59 BST
    expect(onCall(days, '2026-03-30T16:00:00Z', LONDON)).toEqual([]); // Mon 17:00 BST
  });
});

describe('overrides', () => {
  // A holds the all-week turn through January 2026; X holds the other rotation's.
  const rotations = [
    rotation({ id: 'r1', participantIds: ['A'] }),
    rotation({ id: 'r2', participantIds: ['X'], startsAt: '2025-06-02T09:00' }),
  ];
  const at = (utc: string) => new Date(utc);
  const NOON = '2026-01-14T12:00:00Z';

  test('replacesStaffId swaps out only that person, and says whom it stands in for', () => {
    const sick = override({ id: 'o1', staffId: 'B', replacesStaffId: 'A' });
    const entries = teamOnCallAt({ rotations, overrides: [sick] }, at(NOON), 'UTC');
    expect(entries).toEqual([
      { staffId: 'B', rotationId: null, overrideId: 'o1', replacesStaffId: 'A' },
      { staffId: 'X', rotationId: 'r2', overrideId: null, replacesStaffId: null },
    ]);
  });

  test('an override for someone who is not on call adds nobody', () => {
    const offDuty = override({ id: 'o1', staffId: 'B', replacesStaffId: 'Z' });
    expect(onCall({ rotations, overrides: [offDuty] }, NOON)).toEqual(['A', 'X']);
    const nightsOnly = [rotation({ participantIds: ['A'], shifts: [night('mon', '22:00', '06:00')] })];
    const daytime = override({ id: 'o2', staffId: 'B', replacesStaffId: 'A' });
    expect(onCall({ rotations: nightsOnly, overrides: [daytime] }, NOON)).toEqual([]);
    expect(onCall({ rotations: nightsOnly, overrides: [daytime] }, '2026-01-12T23:00:00Z')).toEqual(['B']);
  });

  test('an override without replacesStaffId takes the whole team, even outside every shift', () => {
    const whole = override({ id: 'o1', staffId: 'W' });
    expect(teamOnCallAt({ rotations, overrides: [whole] }, at(NOON), 'UTC')).toEqual([
      { staffId: 'W', rotationId: null, overrideId: 'o1', replacesStaffId: null },
    ]);
    expect(onCall({ rotations: [], overrides: [whole] }, NOON)).toEqual(['W']);
  });

  test('two whole-team overrides overlapping: the one created last wins, whatever order they come in', () => {
    const early = override({ id: 'o-early', staffId: 'W1', createdAt: at('2026-01-02T00:00:00Z') });
    const late = override({ id: 'o-late', staffId: 'W2', createdAt: at('2026-01-03T00:00:00Z') });
    expect(onCall({ rotations, overrides: [early, late] }, NOON)).toEqual(['W2']);
    expect(onCall({ rotations, overrides: [late, early] }, NOON)).toEqual(['W2']);
  });

  test('overrides made at the same instant apply in id order', () => {
    const made = at('2026-01-02T00:00:00Z');
    const b = override({ id: 'b', staffId: 'W2', createdAt: made });
    const a = override({ id: 'a', staffId: 'W1', createdAt: made });
    expect(onCall({ rotations, overrides: [b, a] }, NOON)).toEqual(['W2']);
  });

  test('a whole-team override made after a replacement wins over it; made before, the replacement finds nobody', () => {
    const swap = override({ id: 'o-swap', staffId: 'B', replacesStaffId: 'A', createdAt: at('2026-01-02T00:00Z') });
    const whole = override({ id: 'o-whole', staffId: 'W', createdAt: at('2026-01-03T00:00Z') });
    expect(onCall({ rotations, overrides: [swap, whole] }, NOON)).toEqual(['W']);
    const laterSwap = { ...swap, createdAt: at('2026-01-04T00:00Z') };
    expect(onCall({ rotations, overrides: [laterSwap, whole] }, NOON)).toEqual(['W']);
  });

  test('a stand-in can be stood in for: C covers B who covers A', () => {
    const first = override({ id: 'o1', staffId: 'B', replacesStaffId: 'A', createdAt: at('2026-01-02T00:00Z') });
    const second = override({ id: 'o2', staffId: 'C', replacesStaffId: 'B', createdAt: at('2026-01-03T00:00Z') });
    expect(onCall({ rotations, overrides: [second, first] }, NOON)).toEqual(['C', 'X']);
  });

  test('a stand-in already on call through another rotation is listed once', () => {
    const double = override({ id: 'o1', staffId: 'X', replacesStaffId: 'A' });
    expect(onCall({ rotations, overrides: [double] }, NOON)).toEqual(['X']);
  });

  test('two overlapping overrides for the same person: the one made last wins where they overlap', () => {
    const first = override({
      id: 'o1',
      staffId: 'B',
      replacesStaffId: 'A',
      startsAt: at('2026-01-14T10:00:00Z'),
      endsAt: at('2026-01-14T14:00:00Z'),
      createdAt: at('2026-01-02T00:00:00Z'),
    });
    const second = override({
      id: 'o2',
      staffId: 'C',
      replacesStaffId: 'A',
      startsAt: at('2026-01-14T12:00:00Z'),
      endsAt: at('2026-01-14T16:00:00Z'),
      createdAt: at('2026-01-03T00:00:00Z'),
    });
    const team = { rotations, overrides: [second, first] };
    expect(onCall(team, '2026-01-14T11:00:00Z')).toEqual(['B', 'X']);
    expect(onCall(team, '2026-01-14T13:00:00Z')).toEqual(['C', 'X']);
    expect(onCall(team, '2026-01-14T15:00:00Z')).toEqual(['C', 'X']);
    expect(teamOnCallAt(team, at('2026-01-14T13:00:00Z'), 'UTC')[0]).toEqual({
      staffId: 'C',
      rotationId: null,
      overrideId: 'o2',
      replacesStaffId: 'A',
    });
    // Made the other way round, the first one made later wins the overlap.
    const swapped = { rotations, overrides: [{ ...first, createdAt: at('2026-01-04T00:00:00Z') }, second] };
    expect(onCall(swapped, '2026-01-14T13:00:00Z')).toEqual(['B', 'X']);
    expect(onCall(swapped, '2026-01-14T15:00:00Z')).toEqual(['C', 'X']);
  });

  test('a later override for the person a stand-in covers replaces the stand-in’s stand-in too', () => {
    const made = (day: number) => at(`2026-01-0${day}T00:00:00Z`);
    const first = override({ id: 'o1', staffId: 'B', replacesStaffId: 'A', createdAt: made(2) });
    const second = override({ id: 'o2', staffId: 'C', replacesStaffId: 'B', createdAt: made(3) });
    const third = override({ id: 'o3', staffId: 'D', replacesStaffId: 'A', createdAt: made(4) });
    expect(onCall({ rotations, overrides: [first, second, third] }, NOON)).toEqual(['D', 'X']);
  });

  test('overlapping replacements of different people each apply', () => {
    const forA = override({ id: 'o1', staffId: 'B', replacesStaffId: 'A', createdAt: at('2026-01-02T00:00Z') });
    const forX = override({ id: 'o2', staffId: 'Y', replacesStaffId: 'X', createdAt: at('2026-01-03T00:00Z') });
    expect(onCall({ rotations, overrides: [forA, forX] }, NOON)).toEqual(['B', 'Y']);
  });

  describe('an override runs from startsAt (inclusive) to endsAt (exclusive)', () => {
    const window = override({
      id: 'o1',
      staffId: 'B',
      replacesStaffId: 'A',
      startsAt: at('2026-01-14T10:00:00Z'),
      endsAt: at('2026-01-14T14:00:00Z'),
    });
    test.each([
      ['2026-01-14T09:59:59.999Z', 'not started', ['A', 'X']],
      ['2026-01-14T10:00:00.000Z', 'at startsAt', ['B', 'X']],
      ['2026-01-14T13:59:59.999Z', 'last millisecond', ['B', 'X']],
      ['2026-01-14T14:00:00.000Z', 'at endsAt', ['A', 'X']],
      ['2026-01-20T12:00:00.000Z', 'long over', ['A', 'X']],
    ])('%s (%s): %j', (utc, _what, expected) => {
      expect(onCall({ rotations, overrides: [window] }, utc)).toEqual(expected);
    });

    test('an override that has ended does not take part in the order: the earlier running one stands', () => {
      const running = override({ id: 'o-run', staffId: 'W1', createdAt: at('2026-01-02T00:00Z') });
      const ended = override({
        id: 'o-ended',
        staffId: 'W2',
        createdAt: at('2026-01-03T00:00Z'),
        endsAt: at('2026-01-14T12:00:00Z'),
      });
      expect(onCall({ rotations, overrides: [running, ended] }, '2026-01-14T11:59:00Z')).toEqual(['W2']);
      expect(onCall({ rotations, overrides: [running, ended] }, NOON)).toEqual(['W1']);
    });
  });
});

describe('coverage gaps', () => {
  const gap = (fromDay: Weekday, from: string, toDay: Weekday, to: string, minutes: number) => ({
    from: { day: fromDay, time: from },
    to: { day: toDay, time: to },
    minutes,
  });
  const weekdayNights = (['mon', 'tue', 'wed', 'thu', 'fri'] as const).map((day) => night(day, '18:00', '08:00'));

  test('weeknights only: each weekday’s daytime, and one gap from Saturday morning to Monday evening', () => {
    expect(coverageGaps([{ shifts: weekdayNights }])).toEqual([
      gap('tue', '08:00', 'tue', '18:00', 600),
      gap('wed', '08:00', 'wed', '18:00', 600),
      gap('thu', '08:00', 'thu', '18:00', 600),
      gap('fri', '08:00', 'fri', '18:00', 600),
      gap('sat', '08:00', 'mon', '18:00', 58 * 60),
    ]);
  });

  test('days and nights together cover the week', () => {
    const days = { shifts: everyDay('08:00', '20:00') };
    const nights = { shifts: everyDay('20:00', '08:00', true) };
    expect(coverageGaps([days, nights])).toEqual([]);
  });

  test('overlapping rotations that leave one night uncovered report exactly that night', () => {
    const days = { shifts: everyDay('06:00', '18:00') };
    const nights = { shifts: everyDay('17:00', '07:00', true).filter((shift) => shift.day !== 'wed') };
    expect(coverageGaps([days, nights])).toEqual([gap('wed', '18:00', 'thu', '06:00', 12 * 60)]);
  });

  test('a gap over Sunday midnight is one gap', () => {
    const days = { shifts: everyDay('07:00', '19:00') };
    const nights = { shifts: everyDay('18:00', '08:00', true).filter((shift) => shift.day !== 'sun') };
    expect(coverageGaps([days, nights])).toEqual([gap('sun', '19:00', 'mon', '07:00', 12 * 60)]);
  });

  test('a Sunday night shift covers Monday morning', () => {
    const days = { shifts: everyDay('08:00', '20:00') };
    const nights = { shifts: everyDay('20:00', '08:00', true).filter((shift) => shift.day !== 'mon') };
    expect(coverageGaps([days, nights])).toEqual([gap('mon', '20:00', 'tue', '08:00', 12 * 60)]);
  });

  test('no rotations: the whole week is one gap', () => {
    expect(coverageGaps([])).toEqual([gap('mon', '00:00', 'mon', '00:00', MINUTES_PER_WEEK)]);
    expect(MINUTES_PER_WEEK).toBe(10_080);
  });

  test('a rotation on call all week (shifts null) leaves no gap, whatever the others do', () => {
    expect(coverageGaps([{ shifts: null }])).toEqual([]);
    expect(coverageGaps([{ shifts: weekdayNights }, { shifts: null }])).toEqual([]);
  });

  test('one 24-hour shift leaves six days', () => {
    expect(coverageGaps([{ shifts: [night('wed', '00:00', '00:00')] }])).toEqual([
      gap('thu', '00:00', 'wed', '00:00', 6 * MINUTES_PER_DAY),
    ]);
  });

  test('a one-minute gap is reported, and shifts that only touch leave none', () => {
    const halves = [...everyDay('00:00', '12:00'), ...everyDay('12:00', '00:00', true)];
    expect(coverageGaps([{ shifts: halves }])).toEqual([]);
    const shortFriday = halves.map((shift) =>
      shift.day === 'fri' && shift.start === '00:00' ? { ...shift, end: '11:59' } : shift,
    );
    expect(coverageGaps([{ shifts: shortFriday }])).toEqual([gap('fri', '11:59', 'fri', '12:00', 1)]);
    const noFridayNight = halves.filter((shift) => !(shift.day === 'fri' && shift.endsNextDay));
    expect(coverageGaps([{ shifts: noFridayNight }])).toEqual([gap('fri', '12:00', 'sat', '00:00', 12 * 60)]);
  });
});

describe('ShiftRule: a weekly shift', () => {
  const accepts = (shift: unknown) => v.safeParse(ShiftRule, shift).success;

  test.each([
    [{ day: 'mon', start: '09:00', end: '17:00' }, 'a day shift'],
    [{ day: 'mon', start: '22:00', end: '06:00', endsNextDay: true }, 'a night shift'],
    [{ day: 'sun', start: '20:00', end: '08:00', endsNextDay: true }, 'a Sunday night shift'],
    [{ day: 'wed', start: '09:00', end: '09:00', endsNextDay: true }, 'exactly 24 hours'],
    [{ day: 'wed', start: '00:00', end: '00:00', endsNextDay: true }, 'a whole day'],
    [{ day: 'wed', start: '00:00', end: '23:59' }, 'to 23:59'],
    [{ day: 'wed', start: '09:00', end: '17:00', endsNextDay: false }, 'endsNextDay false'],
    [{ day: 'sat', start: '09:00', end: '09:01' }, 'one minute'],
  ])('accepts %j (%s)', (shift, _why) => {
    expect(accepts(shift)).toBe(true);
  });

  test.each([
    [{ day: 'mon', start: '22:00', end: '06:00' }, 'ends before it starts without endsNextDay'],
    [{ day: 'mon', start: '22:00', end: '06:00', endsNextDay: false }, 'ends before it starts, endsNextDay false'],
    [{ day: 'mon', start: '09:00', end: '09:00' }, 'zero length'],
    [{ day: 'mon', start: '09:00', end: '09:01', endsNextDay: true }, '24 h and a minute'],
    [{ day: 'mon', start: '00:00', end: '23:59', endsNextDay: true }, 'almost 48 h'],
    [{ day: 'mon', start: '09:00', end: '24:00' }, 'end 24:00'],
    [{ day: 'mon', start: '24:00', end: '06:00', endsNextDay: true }, 'start 24:00'],
    [{ day: 'mon', start: '9:00', end: '17:00' }, 'start 9:00'],
    [{ day: 'mon', start: '12:60', end: '17:00' }, 'start 12:60'],
    [{ day: 'mon', start: '09:00:00', end: '17:00' }, 'seconds'],
    [{ day: 'mon', start: '09:00', end: '17:00 ' }, 'trailing space'],
    [{ day: 'mon', start: '０９:00', end: '17:00' }, 'full-width digits'],
    [{ day: 'monday', start: '09:00', end: '17:00' }, 'day monday'],
    [{ day: 'Mon', start: '09:00', end: '17:00' }, 'day Mon'],
    [{ day: 0, start: '09:00', end: '17:00' }, 'day 0'],
    [{ start: '09:00', end: '17:00' }, 'no day'],
    [{ day: 'mon', start: '09:00', end: '17:00', endsNextDay: 'yes' }, 'endsNextDay a string'],
    [{ day: 'mon', start: '09:00', end: '17:00', note: 'x' }, 'an unknown field'],
    [null, 'null'],
  ])('refuses %j (%s)', (shift, _why) => {
    expect(accepts(shift)).toBe(false);
  });
});

describe('WallClockRule: the first turn’s local start', () => {
  const accepts = (text: unknown) => v.safeParse(WallClockRule, text).success;

  test.each(['2026-02-28T09:00', '2028-02-29T00:00', '2026-12-31T23:59', '1999-01-01T00:00'])('accepts %s', (text) => {
    expect(accepts(text)).toBe(true);
  });

  test.each([
    '2026-02-30T09:00',
    '2027-02-29T09:00',
    '2026-04-31T09:00',
    '2026-13-01T09:00',
    '2026-00-10T09:00',
    '2026-03-01T09:00+01:00',
    '2026-03-01T09:00Z',
    '2026-03-01T09:00:00',
    '2026-03-01 09:00',
    '2026-03-01T24:00',
    '2026-03-01T09:60',
    '2026-3-1T09:00',
    '',
    'now',
  ])('refuses %s', (text) => {
    expect(accepts(text)).toBe(false);
  });

  test('years before 100 are read as written, not as 1900–1999, and year 0 (which PostgreSQL has not) is refused', () => {
    expect(formatWallClock(parseWallClock('0050-03-01T09:00') ?? 0)).toBe('0050-03-01T09:00');
    expect(parseWallClock('0050-03-01T09:00')).not.toBe(parseWallClock('1950-03-01T09:00'));
    expect(parseWallClock('0001-01-01 00:00:00')).toBe(Date.parse('0001-01-01T00:00:00Z') / 60_000);
    expect(accepts('0004-02-29T00:00')).toBe(true);
    expect(accepts('0100-02-29T00:00')).toBe(false);
    expect(accepts('0000-01-01T09:00')).toBe(false);
  });
});

describe('offShiftStaff and onCallOfTeam over a loaded schedule', () => {
  // At Wednesday 14 January 2026, 12:00 UTC.
  const at = new Date('2026-01-14T12:00:00Z');
  const rotations = [
    rotation({ id: 'day', teamId: 'desk', participantIds: ['A', 'B'] }),
    rotation({ id: 'night', teamId: 'nights', participantIds: ['C', 'D'], shifts: [night('wed', '20:00', '08:00')] }),
    rotation({ id: 'float', teamId: 'floor', participantIds: ['B', 'E'] }),
  ];
  const schedule = (overrides: OverrideSchedule[] = []): OrgSchedule => ({ at, timeZone: 'UTC', rotations, overrides });

  test('participants on call for no team are off shift; on call for any team, they are not', () => {
    // Week 2: desk → B, floor → E; nights has no shift running. A, C and D are off shift.
    expect(onCallOfTeam(schedule(), 'desk').map((entry) => entry.staffId)).toEqual(['B']);
    expect(onCallOfTeam(schedule(), 'nights')).toEqual([]);
    expect(onCallOfTeam(schedule(), 'floor').map((entry) => entry.staffId)).toEqual(['E']);
    expect([...offShiftStaff(schedule())].sort()).toEqual(['A', 'C', 'D']);
  });

  test('someone off in one team but on call in another is not off shift', () => {
    const week1 = { ...schedule(), at: new Date('2026-01-07T12:00:00Z') };
    // Desk → A, floor → B: B sits out the desk but holds the floor.
    expect([...offShiftStaff(week1)].sort()).toEqual(['C', 'D', 'E']);
  });

  test('an override puts its stand-in on and the one it replaces off', () => {
    const swap = override({ id: 'o1', teamId: 'desk', staffId: 'A', replacesStaffId: 'B' });
    expect([...offShiftStaff(schedule([swap]))].sort()).toEqual(['B', 'C', 'D']);
  });

  test('someone only in an override keeps no hours and is never listed', () => {
    const outsider = override({ id: 'o1', teamId: 'nights', staffId: 'Z' });
    expect(onCallOfTeam(schedule([outsider]), 'nights').map((entry) => entry.staffId)).toEqual(['Z']);
    expect([...offShiftStaff(schedule([outsider]))].sort()).toEqual(['A', 'C', 'D']);
    const replacing = override({ id: 'o2', teamId: 'desk', staffId: 'Z', replacesStaffId: 'B' });
    expect([...offShiftStaff(schedule([replacing]))].sort()).toEqual(['A', 'B', 'C', 'D']);
  });

  test('an override of one team does not touch another team', () => {
    const swap = override({ id: 'o1', teamId: 'floor', staffId: 'F', replacesStaffId: 'B' });
    expect(onCallOfTeam(schedule([swap]), 'desk').map((entry) => entry.staffId)).toEqual(['B']);
    expect([...offShiftStaff(schedule([swap]))].sort()).toEqual(['A', 'C', 'D']);
  });

  test('an override for a team without rotations still counts', () => {
    const elsewhere = override({ id: 'o1', teamId: 'visits', staffId: 'C' });
    expect([...offShiftStaff(schedule([elsewhere]))].sort()).toEqual(['A', 'D']);
  });

  test('participants of a rotation that has not begun keep no hours yet, so they are not off shift', () => {
    // A night rotation written today to start next month: until then it puts nobody on call.
    const nextMonth = rotation({
      id: 'later',
      teamId: 'visits',
      participantIds: ['F', 'A'],
      startsAt: '2026-02-02T09:00',
    });
    const withFuture: OrgSchedule = { ...schedule(), rotations: [...rotations, nextMonth] };
    expect(onCallOfTeam(withFuture, 'visits')).toEqual([]);
    expect([...offShiftStaff(withFuture)].sort()).toEqual(['A', 'C', 'D']);
    const begun: OrgSchedule = { ...withFuture, at: new Date('2026-02-02T09:00:00Z') };
    expect(onCallOfTeam(begun, 'visits').map((entry) => entry.staffId)).toEqual(['F']);
    expect(offShiftStaff(begun).has('F')).toBe(false);
    expect(offShiftStaff(begun).has('C')).toBe(true);
  });

  test('no rotations: nobody is off shift, whatever the overrides', () => {
    const empty: OrgSchedule = { at, timeZone: 'UTC', rotations: [], overrides: [override({ id: 'o', staffId: 'A' })] };
    expect(offShiftStaff(empty).size).toBe(0);
  });
});
