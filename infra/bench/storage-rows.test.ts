import { describe, expect, test } from 'vitest';
import { kindMix, perEvent, planDays, ratio } from './storage-rows';

const end = Date.parse('2026-12-07T00:00:00Z');

describe('planDays: the rows bench:storage inserts', () => {
  test('homes × days × events per day, inside the planned days, in time order, one home per resident', () => {
    const rows = planDays({ residents: 3, days: 2, eventsPerResidentDay: 50, end });
    expect(rows).toHaveLength(300);
    const times = rows.map((row) => Date.parse(row.time));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(end - 2 * 86_400_000);
    expect(Math.max(...times)).toBeLessThan(end);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(new Set(rows.map((row) => row.org_id)).size).toBe(1);
    const residents = new Set(rows.map((row) => row.resident_id));
    expect(residents.size).toBe(3);
    for (const resident of residents) {
      const own = rows.filter((row) => row.resident_id === resident);
      expect(own).toHaveLength(100);
      expect(new Set(own.map((row) => row.hub_id)).size).toBe(1);
      const perDay = own.filter((row) => Date.parse(row.time) >= end - 86_400_000);
      expect(perDay).toHaveLength(50);
    }
    expect(new Set(rows.map((row) => row.event_id)).size).toBe(300);
  });

  test('each row is received within a minute after it happened (a hub batches once a minute)', () => {
    for (const row of planDays({ residents: 2, days: 1, eventsPerResidentDay: 200, end })) {
      const delay = Date.parse(row.received_at) - Date.parse(row.time);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(60_000);
    }
  });

  test("the simulator's routine mix: motion most, then heart rate, breathing and temperature, doors rare", () => {
    const mix = kindMix(planDays({ residents: 20, days: 1, eventsPerResidentDay: 500, end }));
    const total = Object.values(mix).reduce((a, b) => a + b, 0);
    expect(total).toBe(10_000);
    expect(Object.keys(mix).slice(0, 2)).toEqual(['activity', 'heart_rate']);
    expect((mix.activity ?? 0) / total).toBeCloseTo(0.45, 1);
    expect((mix.heart_rate ?? 0) / total).toBeCloseTo(0.25, 1);
    expect(((mix.door_open ?? 0) + (mix.door_closed ?? 0)) / total).toBeLessThan(0.02);
  });
});

describe('per-event arithmetic', () => {
  test('bytes per event and compression ratio, rounded as reported', () => {
    expect(perEvent(162_800_000, 420_000)).toBe(387.6);
    expect(ratio(164_070_000, 24_180_000)).toBe(6.79);
  });

  test('refuses to divide by nothing', () => {
    expect(() => perEvent(100, 0)).toThrow('no events');
    expect(() => ratio(100, 0)).toThrow('nothing after compression');
  });
});
