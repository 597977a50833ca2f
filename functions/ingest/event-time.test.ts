import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseEventTime } from './event-time';

describe('parseEventTime', () => {
  test.each([
    ['2026-02-30T10:00:00Z', /2026-02-30/],
    ['2026-02-29T10:00:00Z', /2026-02-29/],
    ['2026-04-31T10:00:00Z', /2026-04-31/],
    ['2026-12-06T24:00:00Z', /out of range/],
    ['2026-12-06T10:00:00+24:00', /out of range/],
    ['2026-12-06T10:00:00', /ISO-8601/],
    ['yesterday', /ISO-8601/],
    ['0000-01-01T00:00:00Z', /outside the years 0001–9999/],
    ['9999-12-31T23:59:59.999999999-23:59', /outside the years 0001–9999/],
  ])('%s is refused', (text, reason) => {
    const parsed = parseEventTime(text);
    expect(parsed).not.toBeInstanceOf(Date);
    expect((parsed as { reason: string }).reason).toMatch(reason);
  });

  test.each([
    ['2028-02-29T10:00:00Z', '2028-02-29T10:00:00.000Z'],
    ['2000-02-29T00:00:00Z', '2000-02-29T00:00:00.000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
    ['0099-12-31T23:59:59+01', '0099-12-31T22:59:59.000Z'],
    ['9999-12-31T23:59:59.999999999+23:59', '9999-12-31T00:00:59.999Z'],
    ['2026-12-06 10:00:00.5 +0930', '2026-12-06T00:30:00.500Z'],
  ])('%s is %s', (text, iso) => {
    expect((parseEventTime(text) as Date).toISOString()).toBe(iso);
  });

  test('property: any instant written with any offset reads back as that instant (to the millisecond)', () => {
    fc.assert(
      fc.property(
        fc.date({ min: new Date('0001-01-02T00:00:00Z'), max: new Date('9999-12-31T00:00:00Z'), noInvalidDate: true }),
        fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
        fc.constantFrom('+hh:mm', '+hhmm', 'Z'),
        (instant, offsetMinutes, style) => {
          const minutes = style === 'Z' ? 0 : offsetMinutes;
          const local = new Date(instant.getTime() + minutes * 60_000);
          if (local.getUTCFullYear() < 1 || local.getUTCFullYear() > 9999) return;
          const abs = Math.abs(minutes);
          const hh = String(Math.floor(abs / 60)).padStart(2, '0');
          const mm = String(abs % 60).padStart(2, '0');
          const sign = minutes < 0 ? '-' : '+';
          const zone = style === 'Z' ? 'Z' : style === '+hhmm' ? `${sign}${hh}${mm}` : `${sign}${hh}:${mm}`;
          const text = `${local.toISOString().slice(0, 23)}${zone}`;
          expect((parseEventTime(text) as Date).getTime(), text).toBe(instant.getTime());
        },
      ),
    );
  });
});
