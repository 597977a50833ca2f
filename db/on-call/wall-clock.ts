import type { Weekday } from '../schema/on-call';
import { weekdays } from '../schema/on-call';

export const MINUTES_PER_DAY = 1_440;
export const MINUTES_PER_WEEK = 7 * MINUTES_PER_DAY;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
    });
    if (formatters.size < 1_000) formatters.set(zone, formatter);
  }
  return formatter;
}

/**
 * The wall-clock time an instant shows in a time zone, as minutes since 1970-01-01 00:00 of that wall clock: the
 * scale rotations and weekly shifts are written in, so a 09:00 handover stays at 09:00 when the clocks change.
 */
export function wallClockMinutes(at: Date, zone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(zone).formatToParts(at)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const { year = 1970, month = 1, day = 1, hour = 0, minute = 0 } = parts;
  return utcMinutes(year, month, day, hour, minute);
}

/** Minutes since 1970-01-01 00:00 of a date and time; unlike Date.UTC, years 0–99 are not read as 1900–1999. */
function utcMinutes(year: number, month: number, day: number, hour: number, minute: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, 0, 0);
  return date.getTime() / 60_000;
}

/** Clocks go back an hour, half an hour on Lord Howe Island, two hours at Troll; three covers them all. */
const LONGEST_FALL_BACK_MINUTES = 180;

/**
 * The latest wall-clock minute a zone has shown up to an instant: the wall clock, except while the clocks go back
 * over an hour already shown, when it stays at the minute before they went back. Turns hand over on this clock,
 * so a handover inside that hour happens once rather than being handed back and over again.
 */
export function turnClockMinutes(at: Date, zone: string): number {
  const offsetAt = (minute: number) => wallClockMinutes(new Date(minute * 60_000), zone) - minute;
  const now = Math.floor(at.getTime() / 60_000);
  const offsetNow = offsetAt(now);
  let before = now - LONGEST_FALL_BACK_MINUTES;
  if (offsetAt(before) <= offsetNow) return wallClockMinutes(at, zone);
  // The clocks went back since `before`: find the last minute still on the old offset, the one that read later.
  let after = now;
  while (after - before > 1) {
    const middle = Math.floor((before + after) / 2);
    if (offsetAt(middle) > offsetNow) before = middle;
    else after = middle;
  }
  return Math.max(wallClockMinutes(at, zone), before + offsetAt(before));
}

/** Minutes since 1970-01-01 00:00 of a wall-clock `YYYY-MM-DDTHH:MM` (or PostgreSQL's `YYYY-MM-DD HH:MM:SS`). */
export function parseWallClock(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::00(?:\.0+)?)?$/.exec(text);
  if (!match) return undefined;
  const [year, month, day, hour, minute] = match.slice(1).map(Number) as [number, number, number, number, number];
  // PostgreSQL has no year 0: a start it cannot store is refused here rather than failing the insert.
  if (year < 1 || hour > 23 || minute > 59) return undefined;
  const minutes = utcMinutes(year, month, day, hour, minute);
  const back = new Date(minutes * 60_000);
  // Dates roll 2026-02-30 over to March: a date that does not exist is refused, not moved.
  if (back.getUTCMonth() !== month - 1 || back.getUTCDate() !== day) return undefined;
  return minutes;
}

/** A wall-clock minute count back as `YYYY-MM-DDTHH:MM`. */
export function formatWallClock(minutes: number): string {
  return new Date(minutes * 60_000).toISOString().slice(0, 16);
}

/** Minutes since Monday 00:00 of the week a wall-clock minute falls in (1970-01-01 was a Thursday). */
export function minuteOfWeek(wallMinutes: number): number {
  const sinceMonday = wallMinutes + 3 * MINUTES_PER_DAY;
  return ((sinceMonday % MINUTES_PER_WEEK) + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
}

/** `HH:MM` as minutes since midnight, or undefined when it is not a time of day. */
export function parseTimeOfDay(text: string): number | undefined {
  const match = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return match ? Number(match[1]) * 60 + Number(match[2]) : undefined;
}

/** A minute of the week as the day and `HH:MM` people read it in. */
export function weekMoment(minuteInWeek: number): { day: Weekday; time: string } {
  const minute = ((minuteInWeek % MINUTES_PER_WEEK) + MINUTES_PER_WEEK) % MINUTES_PER_WEEK;
  const day = weekdays[Math.floor(minute / MINUTES_PER_DAY)] ?? 'mon';
  const ofDay = minute % MINUTES_PER_DAY;
  const time = `${String(Math.floor(ofDay / 60)).padStart(2, '0')}:${String(ofDay % 60).padStart(2, '0')}`;
  return { day, time };
}
