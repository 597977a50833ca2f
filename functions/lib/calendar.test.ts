import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { instantOf, isCalendarDate } from './calendar';

const FIRST = Date.parse('0001-01-01T00:00:00.000Z');
const LAST = Date.parse('9999-12-31T23:59:59.999Z');
const inRange = fc.integer({ min: FIRST, max: LAST }).map((ms) => new Date(ms));
const pad = (value: number, width = 2) => String(Math.abs(value)).padStart(width, '0');

describe('calendar: dates and instants PostgreSQL and JavaScript both hold', () => {
  test('every instant in years 0001–9999 reads back as itself, and its day exists', () => {
    fc.assert(
      fc.property(inRange, (date) => {
        const text = date.toISOString();
        expect(instantOf(text)).toBe(date.getTime());
        expect(isCalendarDate(text.slice(0, 10))).toBe(true);
      }),
    );
  });

  test('the same instant written with any offset reads as that instant', () => {
    const offsets = fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 });
    fc.assert(
      fc.property(inRange, offsets, (date, offsetMinutes) => {
        const local = new Date(date.getTime() + offsetMinutes * 60_000);
        const sign = offsetMinutes < 0 ? '-' : '+';
        const text =
          `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}T` +
          `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.` +
          `${pad(local.getUTCMilliseconds(), 3)}${sign}${pad(Math.trunc(offsetMinutes / 60))}:${pad(offsetMinutes % 60)}`;
        fc.pre(local.getUTCFullYear() >= 1 && local.getUTCFullYear() <= 9999);
        expect(instantOf(text)).toBe(date.getTime());
      }),
    );
  });

  test('no text throws, and whatever is read lies in range', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.date().map((date) => String(date)),
        ),
        (text) => {
          const instant = instantOf(text);
          expect(instant === undefined || (instant >= FIRST && instant <= LAST)).toBe(true);
        },
      ),
    );
  });

  test.each([
    '2026-02-30T10:00:00Z',
    '2023-02-29T00:00:00Z',
    '1900-02-29T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '0000-01-01T10:00:00Z',
    '0001-01-01T00:00:00+01:00',
    '9999-12-31T23:00:00-14:00',
    '2026-01-01T24:00:00Z',
    '2026-01-01T10:00:00',
  ])('%s names no instant this API accepts', (text) => {
    expect(instantOf(text)).toBeUndefined();
  });

  test('an offset of hours alone, or without a colon, is read (Date.parse cannot read +09)', () => {
    expect(instantOf('2026-01-01T10:00:00+09')).toBe(Date.parse('2026-01-01T01:00:00Z'));
    expect(instantOf('2026-01-01 10:00:00-0330')).toBe(Date.parse('2026-01-01T13:30:00Z'));
  });

  test('leap days exist only in leap years; year 0 does not exist', () => {
    expect(['2024-02-29', '2000-02-29', '0004-02-29'].map(isCalendarDate)).toEqual([true, true, true]);
    expect(['2023-02-29', '1900-02-29', '0000-01-01', '2026-13-01'].map(isCalendarDate)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });
});
