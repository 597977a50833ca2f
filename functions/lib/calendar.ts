/**
 * Dates and instants PostgreSQL and JavaScript both hold without surprises: a day that exists in its month (no
 * February 30 rolling over into March) in the years 0001–9999 (PostgreSQL has no year 0; JavaScript writes year
 * 10000 as "+010000", which PostgreSQL refuses), and for instants a UTC time inside that range once the offset is
 * applied.
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
/** The syntax valibot's `isoTimestamp` accepts: `T` or a space, up to 9 fraction digits, `Z` or ±HH[[:]MM]. */
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})? ?(Z|[+-]\d{2}(?::?\d{2})?)$/;

const FIRST_INSTANT = Date.parse('0001-01-01T00:00:00.000Z');
const LAST_INSTANT = Date.parse('9999-12-31T23:59:59.999Z');

function dayExists(year: number, month: number, day: number): boolean {
  if (year < 1 || month < 1 || month > 12 || day < 1) return false;
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
  return day <= days;
}

/** True for `YYYY-MM-DD` naming a day that exists, years 0001–9999. */
export function isCalendarDate(text: string): boolean {
  const match = DATE.exec(text);
  return match !== null && dayExists(Number(match[1]), Number(match[2]), Number(match[3]));
}

/**
 * Milliseconds since the epoch of an ISO-8601 date-time with a time zone, or why it names no real instant in years
 * 0001–9999. Computed here rather than by `Date.parse`, which rolls February 30 over and cannot read an offset of
 * hours alone (`+09`). Digits past the millisecond are dropped (instants are stored to the millisecond).
 */
export function readInstant(text: string): number | { reason: string } {
  const match = DATE_TIME.exec(text);
  if (!match) return { reason: 'is not an ISO-8601 timestamp' };
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  if (year < 1) return { reason: OUTSIDE_YEARS };
  if (!dayExists(year, month, day)) return { reason: `names a day that does not exist (${text.slice(0, 10)})` };
  const zone = match[8] ?? 'Z';
  let offsetMinutes = 0;
  if (zone !== 'Z') {
    const digits = zone.slice(1).replace(':', '');
    const offsetHours = Number(digits.slice(0, 2));
    const extraMinutes = Number(digits.slice(2) || '0');
    if (offsetHours > 23 || extraMinutes > 59) return { reason: OUT_OF_RANGE };
    offsetMinutes = (zone.startsWith('-') ? -1 : 1) * (offsetHours * 60 + extraMinutes);
  }
  if (hour > 23 || minute > 59 || second > 59) return { reason: OUT_OF_RANGE };
  const milliseconds = Number((match[7] ?? '.').slice(1, 4).padEnd(3, '0'));
  const utc = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not read years 0–99 as 1900–1999.
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute - offsetMinutes, second, milliseconds);
  const instant = utc.getTime();
  return instant >= FIRST_INSTANT && instant <= LAST_INSTANT ? instant : { reason: OUTSIDE_YEARS };
}

const OUT_OF_RANGE = 'has an hour, minute, second or offset out of range';
const OUTSIDE_YEARS = 'is outside the years 0001–9999';

/** `readInstant` for schemas: the instant, or undefined. */
export function instantOf(text: string): number | undefined {
  const instant = readInstant(text);
  return typeof instant === 'number' ? instant : undefined;
}
