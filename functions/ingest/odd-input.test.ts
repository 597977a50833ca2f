import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { authenticateHub } from './hub-auth';
import { storeValidBatch } from './ingest-batch';
import { event, startIngestHarness } from './testing';

/**
 * Regression: one event PostgreSQL cannot store (NUL, a lone surrogate, a payload too deep to serialise…) used to
 * fail the whole batch statement with a 500; the hub re-sent it forever and the SOS beside it was never stored.
 */
describe('odd input never costs the rest of the batch (Node server, real PostgreSQL)', () => {
  let h: Awaited<ReturnType<typeof startIngestHarness>>;
  beforeAll(async () => {
    h = await startIngestHarness();
  });
  afterAll(() => h.stop());

  const sosCount = async (residentId: string) => {
    const [row] = await h.database.sql<{ n: number }[]>`
      select coalesce(sum(event_count), 0)::int as n from alerts where resident_id = ${residentId} and kind = 'sos'`;
    return row?.n ?? 0;
  };
  const stored = async (hubId: string, eventIds: string[]) => {
    const rows = await h.database.sql<{ event_id: string; n: number }[]>`
      select event_id, count(*)::int as n from sensor_events
       where hub_id = ${hubId} and event_id = any(${eventIds}) group by event_id`;
    return Object.fromEntries(rows.map((row) => [row.event_id, row.n]));
  };

  test('the issue reproduction: a NUL in a payload is rejected alone; the activity and the SOS are stored and alerted', async () => {
    const hub = h.hub(0);
    const activity = event(hub.device('activity'), 'activity');
    const poison = event(hub.device('activity'), 'activity', { payload: { note: 'a\u0000b' } });
    const sos = event(hub.device('emergency_button'), 'emergency_button');
    const body = { events: [activity, poison, sos] };
    const before = await sosCount(hub.residentId);

    const first = await h.post(hub.apiKey, body);
    expect(first.status).toBe(200);
    expect(first.body?.results.map((result) => result.status)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(first.body?.results[1]?.reason).toMatch(/payload\.note contains a NUL/);
    expect(first.body?.alerts).toEqual([expect.objectContaining({ kind: 'sos', severity: 'critical' })]);
    expect(await sosCount(hub.residentId)).toBe(before + 1);

    // A hub that re-sends the batch gets the same answer per event and raises nothing twice.
    const again = await h.post(hub.apiKey, body);
    expect(again.status).toBe(200);
    expect(again.body?.results.map((result) => result.status)).toEqual(['duplicate', 'rejected', 'duplicate']);
    expect(await stored(hub.id, [activity.eventId, poison.eventId, sos.eventId])).toEqual({
      [activity.eventId]: 1,
      [sos.eventId]: 1,
    });
    expect(await sosCount(hub.residentId)).toBe(before + 1);
  });

  const deep = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  // Each case is the raw JSON of one event's fields besides deviceId and kind (an `activity` event).
  test.each([
    ['NUL in eventId', { eventId: 'id\u0000x' }, /eventId contains a NUL/],
    ['lone high surrogate in eventId', { eventId: 'id\ud800' }, /eventId contains an unpaired UTF-16 surrogate/],
    ['lone low surrogate in a payload value', { payload: { note: '\udc00' } }, /payload\.note contains an unpaired/],
    ['NUL in a payload key', { payload: { 'a\u0000': 1 } }, /a key in payload contains a NUL/],
    ['lone surrogate in a nested payload key', { payload: { a: [{ '\ud83d': 1 }] } }, /a key in payload\.a\[0\]/],
    ['a payload array', { payload: [1, 2] }, /payload must be an object/],
    ['a payload 5,000 levels deep', { rawPayload: deep(5_000) }, /nested deeper than 32/],
    ['1e400 in a payload', { rawPayload: '{"reading":1e400}' }, /payload\.reading is a number outside/],
    ['1e400 as value', { rawValue: '1e400' }, /value must be finite/],
    ['"Infinity" as value', { rawValue: '"Infinity"' }, /value must be a number/],
    ['February 30', { time: '2026-02-30T10:00:00Z' }, /day that does not exist \(2026-02-30\)/],
    ['year 0', { time: '0000-01-01T00:00:00Z' }, /outside the years 0001–9999/],
    ['year 9999', { time: '9999-12-31T23:59:59Z' }, /future/],
    ['10,000-character eventId', { eventId: 'x'.repeat(10_000) }, /128/],
    ['10,000 emoji in a payload', { payload: { note: '🚨'.repeat(10_000) } }, /payload exceeds 4096 bytes/],
  ])('%s: rejected with a reason, the SOS beside it raised', async (_name, odd, reason) => {
    const hub = h.hub(1);
    const base = event(hub.device('activity'), 'activity');
    const sos = event(hub.device('emergency_button'), 'emergency_button');
    const fields: Record<string, unknown> = { ...base, ...odd };
    const { rawPayload, rawValue, ...plain } = fields;
    let oddEvent = JSON.stringify(plain);
    if (rawPayload !== undefined) oddEvent = `${oddEvent.slice(0, -1)},"payload":${String(rawPayload)}}`;
    if (rawValue !== undefined) oddEvent = `${oddEvent.slice(0, -1)},"value":${String(rawValue)}}`;
    const before = await sosCount(hub.residentId);

    const response = await h.post(hub.apiKey, `{"events":[${oddEvent},${JSON.stringify(sos)}]}`);
    expect(response.status).toBe(200);
    expect(response.body?.results[0]).toMatchObject({ status: 'rejected', reason: expect.stringMatching(reason) });
    expect(response.body?.results[1]).toMatchObject({ eventId: sos.eventId, status: 'accepted' });
    expect(response.body?.alerts.map((alert) => alert.kind)).toEqual(['sos']);
    expect(await sosCount(hub.residentId)).toBe(before + 1);
  });

  test.each([
    ['a ±hh offset', 9 * 60, (hh: string, _mm: string) => `+${hh}`, ''],
    ['a ±hhmm offset and nanoseconds', 5 * 60 + 30, (hh: string, mm: string) => `+${hh}${mm}`, '.123456789'],
    ['a space and a negative odd offset', -(3 * 60 + 7), (hh: string, mm: string) => ` -${hh}:${mm}`, ''],
  ])('%s is stored at the instant it names', async (_name, offsetMinutes, offset, fraction) => {
    const hub = h.hub(2);
    const instant = new Date(Math.floor(Date.now() / 1000) * 1000 - 60_000);
    const local = new Date(instant.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 19);
    const abs = Math.abs(offsetMinutes);
    const zone = offset(String(Math.floor(abs / 60)).padStart(2, '0'), String(abs % 60).padStart(2, '0'));
    const time = `${local.replace('T', zone.startsWith(' ') ? ' ' : 'T')}${fraction}${zone}`;
    const sent = event(hub.device('activity'), 'activity', { time });
    const response = await h.post(hub.apiKey, { events: [sent] });
    expect(response.body?.results[0]?.status, time).toBe('accepted');
    const [row] = await h.database.sql<{ time: Date }[]>`
      select time from sensor_events where hub_id = ${hub.id} and event_id = ${sent.eventId}`;
    expect(row?.time.getTime()).toBe(instant.getTime() + (fraction ? 123 : 0));
  });

  test('-0, the smallest double and the largest are accepted; the extremes stored exactly', async () => {
    const hub = h.hub(2);
    const ids = [randomUUID(), randomUUID(), randomUUID()];
    const time = new Date().toISOString();
    const raw = ['-0', '5e-324', '1.7976931348623157e308'].map(
      (value, i) =>
        `{"eventId":"${ids[i]}","deviceId":"${hub.device('activity')}","kind":"light","time":"${time}","value":${value},"payload":{"v":${value}}}`,
    );
    const response = await h.post(hub.apiKey, `{"events":[${raw.join(',')}]}`);
    expect(response.body?.results.map((result) => result.status)).toEqual(['accepted', 'accepted', 'accepted']);
    const rows = await h.database.sql<{ event_id: string; value: number; payload: { v: number } }[]>`
      select event_id, value, payload from sensor_events where hub_id = ${hub.id} and event_id = any(${ids})`;
    const byId = new Map(rows.map((row) => [row.event_id, row]));
    expect(byId.get(ids[1] ?? '')?.value).toBe(5e-324);
    expect(byId.get(ids[2] ?? '')?.value).toBe(1.7976931348623157e308);
    expect(byId.get(ids[2] ?? '')?.payload.v).toBe(1.7976931348623157e308);
  });

  test('a payload key "__proto__" is kept, not dropped', async () => {
    const hub = h.hub(2);
    const sent = event(hub.device('activity'), 'activity');
    const raw = `{"events":[${JSON.stringify(sent).slice(0, -1)},"payload":{"__proto__":{"x":1},"y":2}}]}`;
    expect((await h.post(hub.apiKey, raw)).body?.accepted).toBe(1);
    const [row] = await h.database.sql<{ payload: string }[]>`
      select payload::text from sensor_events where hub_id = ${hub.id} and event_id = ${sent.eventId}`;
    expect(row?.payload).toBe('{"y": 2, "__proto__": {"x": 1}}');
  });

  test('a bad heartbeat field is ignored with a reason; the events and the rest of the heartbeat are applied', async () => {
    const hub = h.hub(3);
    const sos = event(hub.device('emergency_button'), 'emergency_button');
    const before = await sosCount(hub.residentId);
    const [{ firmware } = { firmware: null }] = await h.database.sql<{ firmware: string | null }[]>`
      select firmware from hubs where id = ${hub.id}`;
    const response = await h.post(hub.apiKey, {
      hub: { firmware: 'v2\u0000', batteryPct: 77, powerState: 'nuclear' },
      events: [sos],
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      accepted: 1,
      ignored: [
        { field: 'hub.firmware', reason: expect.stringMatching(/NUL/) },
        { field: 'hub.powerState', reason: expect.any(String) },
      ],
    });
    expect(await sosCount(hub.residentId)).toBe(before + 1);
    const [state] = await h.database.sql<{ firmware: string | null; battery_pct: number }[]>`
      select firmware, battery_pct from hubs where id = ${hub.id}`;
    expect(state).toEqual({ firmware, battery_pct: 77 });

    const notAnObject = await h.post(hub.apiKey, { hub: 'charging', events: [] });
    expect(notAnObject.status).toBe(200);
    expect(notAnObject.body?.ignored).toEqual([{ field: 'hub', reason: 'hub must be an object' }]);
  });

  test('defence in depth: a row PostgreSQL refuses despite validation is rejected alone, the SOS still raised', async () => {
    const hub = h.hub(0);
    const { hub: context } = await authenticateHub(h.database.sql, `Bearer ${hub.apiKey}`);
    const at = (secondsAgo: number) => new Date(Date.now() - secondsAgo * 1000);
    // What validation would refuse, built by hand as if it had slipped through.
    const events = [
      { eventId: randomUUID(), kind: 'activity' as const, payload: { note: 'ok' }, time: at(3) },
      { eventId: randomUUID(), kind: 'activity' as const, payload: { note: 'a\u0000b' }, time: at(2) },
      { eventId: randomUUID(), kind: 'emergency_button' as const, payload: null, time: at(1) },
    ].map((item, index) => ({ ...item, index, deviceId: hub.device('activity'), value: null }));
    const before = await sosCount(hub.residentId);
    const outcome = await storeValidBatch(h.database.sql, context, {
      hub: { firmware: 'fw\u0000', batteryPct: 50 },
      ignored: [],
      events,
      results: events.map((item) => ({ eventId: item.eventId, status: 'accepted' as const })),
    });
    expect(outcome.refusedBatch).toBeTruthy();
    expect(outcome.response.results.map((result) => result.status)).toEqual(['accepted', 'rejected', 'accepted']);
    expect(outcome.response.results[1]).toMatchObject({ reason: expect.stringMatching(/the database refused/) });
    expect(outcome.response.alerts.map((alert) => alert.kind)).toEqual(['sos']);
    expect(outcome.response.ignored).toEqual([
      { field: 'hub', reason: expect.stringMatching(/refused the heartbeat/) },
    ]);
    expect(await sosCount(hub.residentId)).toBe(before + 1);
    expect(
      await stored(
        hub.id,
        events.map((item) => item.eventId),
      ),
    ).toEqual({
      [events[0]?.eventId ?? '']: 1,
      [events[2]?.eventId ?? '']: 1,
    });
  });
});
