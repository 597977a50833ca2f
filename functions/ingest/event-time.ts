// The syntax valibot's isoTimestamp accepts, with its parts captured.
const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z| ?([+-])(\d{2})(?::?(\d{2}))?)$/;

/**
 * Reads an event's ISO-8601 time exactly: a day the month does not have (Feb 30, Feb 29 of a common year) is
 * refused instead of rolling into the next month as `new Date()` does, offsets may be `Z`, `±hh`, `±hhmm` or
 * `±hh:mm`, and digits past the millisecond are dropped (times are stored to the millisecond).
 */
export function parseEventTime(text: string): Date | { reason: string } {
  const match = ISO_TIMESTAMP.exec(text);
  if (!match) return { reason: 'time must be an ISO-8601 timestamp' };
  const [year, month, day, hour, minute, second] = match.slice(1, 7).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const millisecond = Number((match[7] ?? '0').padEnd(3, '0').slice(0, 3));
  const sign = match[8] === '-' ? -1 : 1;
  const offsetHours = Number(match[9] ?? '0');
  const offsetMinutes = Number(match[10] ?? '0');
  if (month < 1 || month > 12 || day < 1 || day > daysIn(year, month)) {
    return { reason: `time names a day that does not exist (${text.slice(0, 10)})` };
  }
  if (hour > 23 || minute > 59 || second > 59 || offsetHours > 23 || offsetMinutes > 59) {
    return { reason: 'time has an hour, minute, second or offset out of range' };
  }
  const utc = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not read years 0–99 as 1900–1999.
  utc.setUTCFullYear(year, month - 1, day);
  utc.setUTCHours(hour, minute, second, millisecond);
  return new Date(utc.getTime() - sign * (offsetHours * 60 + offsetMinutes) * 60_000);
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
