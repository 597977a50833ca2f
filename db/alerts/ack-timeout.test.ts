import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { defaultAckTimeoutSeconds } from '../defaults';
import { alertSeverity } from '../schema/alerts';
import { ackTimeoutFor } from './ack-timeout';

const severity = fc.constantFrom(...alertSeverity.enumValues);

describe('acknowledgement timeout from organisation settings', () => {
  test('a valid setting is used as is; null switches re-triggering off; a missing one is the default', () => {
    expect(ackTimeoutFor({ critical: 5 }, 'org', 'critical')).toBe(5);
    expect(ackTimeoutFor({ critical: null }, 'org', 'critical')).toBeNull();
    expect(ackTimeoutFor({ high: 5 }, 'org', 'critical')).toBe(30 * 60);
    expect(ackTimeoutFor(undefined, 'org', 'critical')).toBe(30 * 60);
    expect(ackTimeoutFor(undefined, 'org', 'low')).toBeNull();
  });

  test('whatever the stored settings hold, the answer is null or whole seconds from 1 s to a week, never a throw', () => {
    fc.assert(
      fc.property(fc.jsonValue(), severity, (stored, level) => {
        const seconds = ackTimeoutFor(stored, 'org', level);
        expect(seconds === null || (Number.isInteger(seconds) && seconds >= 1 && seconds <= 7 * 86_400)).toBe(true);
      }),
    );
  });

  test('a malformed value falls back to the default, never to "never"', () => {
    const malformed = fc.oneof(
      fc.string(),
      fc.boolean(),
      fc.double().filter((value) => !Number.isInteger(value) || value < 1 || value > 7 * 86_400),
      fc.array(fc.integer()),
    );
    fc.assert(
      fc.property(malformed, severity, (value, level) => {
        expect(ackTimeoutFor({ [level]: value }, 'org', level)).toBe(defaultAckTimeoutSeconds[level]);
      }),
    );
  });
});
