import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { alertNotificationText, type Language } from './alert-text';

const zones = ['Asia/Seoul', 'Europe/London', 'America/New_York', 'Australia/Adelaide', 'UTC', 'Asia/Kathmandu'];

function expectedTime(at: Date, timeZone: string, language: Language): string {
  return at.toLocaleTimeString(language === 'ko' ? 'ko-KR' : 'en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hour12: false,
    timeZone,
  });
}

const text = (language: Language, openedAt: Date, timeZone: string) =>
  alertNotificationText(language, {
    kind: 'sos',
    severity: 'critical',
    status: 'open',
    residentName: 'Kim',
    openedAt,
    timeZone,
  });

describe('alertNotificationText', () => {
  it('gives the local time of the alert in the organisation zone, in the person language, call after call', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Language>('ko', 'en'),
        fc.date({ min: new Date('2000-01-01'), max: new Date('2100-01-01'), noInvalidDate: true }),
        fc.constantFrom(...zones),
        (language, openedAt, zone) => {
          expect(text(language, openedAt, zone).body.endsWith(` · ${expectedTime(openedAt, zone, language)}`)).toBe(
            true,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('falls back to Seoul time for a zone that does not exist', () => {
    const openedAt = new Date('2026-12-07T01:02:03Z');
    expect(text('en', openedAt, 'Mars/Olympus').body).toBe(`Kim · ${expectedTime(openedAt, 'Asia/Seoul', 'en')}`);
    expect(text('ko', openedAt, 'Mars/Olympus').body).toBe(`Kim 어르신 · 10:02:03`);
  });
});
