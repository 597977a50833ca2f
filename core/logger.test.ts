import { describe, expect, test } from 'vitest';
import { createLogger, type LogLevel } from './logger';

function capture(level: LogLevel = 'debug') {
  const lines: { line: Record<string, unknown>; level: LogLevel }[] = [];
  const logger = createLogger('test-service', level, (line, at) => lines.push({ line: JSON.parse(line), level: at }));
  return { logger, lines };
}

describe('logger', () => {
  test('a field named like one of the logger’s keys never overwrites it; its value is kept beside', () => {
    const { logger, lines } = capture();
    logger.info('alert escalated', { level: 1, time: 'then', service: 'other', message: 'hi', alertId: 'a' });
    expect(lines).toHaveLength(1);
    const [entry] = lines;
    expect(entry?.line).toMatchObject({
      level: 'info',
      service: 'test-service',
      message: 'alert escalated',
      field_level: 1,
      field_time: 'then',
      field_service: 'other',
      field_message: 'hi',
      alertId: 'a',
    });
    expect(Date.parse(String(entry?.line.time))).not.toBeNaN();
  });

  test('the level threshold and the stream still follow the logger’s level, whatever the fields say', () => {
    const { logger, lines } = capture('warn');
    logger.info('dropped', { level: 'error' });
    logger.warn('kept', { level: 'debug' });
    expect(lines.map((entry) => [entry.line.message, entry.line.level, entry.level])).toEqual([
      ['kept', 'warn', 'warn'],
    ]);
  });

  test('fields JSON cannot hold cost the field, never the line; __proto__ stays a plain key', () => {
    const { logger, lines } = capture();
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    logger.error('odd fields', { count: 10n, cycle, ok: true, ...JSON.parse('{"__proto__": {"polluted": 1}}') });
    expect(lines[0]?.line).toMatchObject({ level: 'error', count: '10', ok: true });
    expect(Object.hasOwn(lines[0]?.line ?? {}, '__proto__')).toBe(true);
    expect(String(lines[0]?.line.cycle)).toMatch(/^\[unserialisable/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
