import * as v from 'valibot';
import { weekdays } from '../schema/on-call';
import { MINUTES_PER_DAY, parseTimeOfDay, parseWallClock } from './wall-clock';

const timeOfDay = v.pipe(
  v.string(),
  v.check((text) => parseTimeOfDay(text) !== undefined, 'must be a time of day HH:MM (00:00–23:59)'),
);

/**
 * A weekly shift: `end` after `start` on the same day, or on the next day with `endsNextDay` — a shift that ends
 * before it starts is refused rather than read as a night shift, and none lasts more than 24 hours.
 */
export const ShiftRule = v.pipe(
  v.strictObject({
    day: v.picklist(weekdays, 'must be mon, tue, wed, thu, fri, sat or sun'),
    start: timeOfDay,
    end: timeOfDay,
    endsNextDay: v.optional(v.boolean()),
  }),
  v.check((shift) => {
    const start = parseTimeOfDay(shift.start) ?? 0;
    const end = (parseTimeOfDay(shift.end) ?? 0) + (shift.endsNextDay ? MINUTES_PER_DAY : 0);
    return end > start;
  }, 'the shift ends before it starts (a shift that ends on the next day sets endsNextDay: true)'),
  v.check((shift) => {
    const start = parseTimeOfDay(shift.start) ?? 0;
    const end = (parseTimeOfDay(shift.end) ?? 0) + (shift.endsNextDay ? MINUTES_PER_DAY : 0);
    return end - start <= MINUTES_PER_DAY;
  }, 'a shift lasts at most 24 hours'),
);

/** The first turn's start: a wall-clock date and time in the organisation's time zone, no offset. */
export const WallClockRule = v.pipe(
  v.string(),
  v.check(
    (text) => /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(text) && parseWallClock(text) !== undefined,
    'must be a local date and time YYYY-MM-DDTHH:MM (the organisation’s time zone, no offset)',
  ),
);

export const RotationRules = {
  name: v.pipe(v.string(), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(200)),
  participantIds: v.pipe(
    v.array(v.pipe(v.string(), v.uuid('must be a staff id'))),
    v.minLength(1, 'needs at least one participant'),
    v.maxLength(100),
  ),
  startsAt: WallClockRule,
  turnDays: v.pipe(v.number(), v.integer('must be whole days'), v.minValue(1), v.maxValue(28)),
  shifts: v.nullable(
    v.pipe(v.array(ShiftRule), v.minLength(1, 'null for all week, or at least one shift'), v.maxLength(50)),
  ),
};

/** The longest one-off change (sick leave, a swap) one override may cover. */
export const MAX_OVERRIDE_DAYS = 92;
