import { readInstant } from '../lib/calendar';

/**
 * Reads an event's ISO-8601 time exactly (`readInstant`): a day the month does not have (Feb 30, Feb 29 of a common
 * year) is refused instead of rolling into the next month as `new Date()` does, offsets may be `Z`, `±hh`, `±hhmm`
 * or `±hh:mm`, and digits past the millisecond are dropped (times are stored to the millisecond).
 */
export function parseEventTime(text: string): Date | { reason: string } {
  const instant = readInstant(text);
  return typeof instant === 'number' ? new Date(instant) : { reason: `time ${instant.reason}` };
}
