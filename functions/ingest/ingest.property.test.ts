import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { sensorEventKind } from '../../db/schema/events';
import { startIngestHarness } from './testing';

/**
 * Boundary property. Batches mix valid events and valid
 * emergencies with events built from odd strings (NUL, lone surrogates, emoji, 10,000 characters), odd numbers
 * (1e400, -0, 5e-324, "Infinity"), odd dates (year 0 and 9999, Feb 30, odd offsets) and odd payloads (deep,
 * huge, arrays, odd keys), under an odd heartbeat. Invariants, read from the database: never a 5xx; every valid
 * event stored exactly once; every event id stored as many times as it was answered `accepted`; every accepted
 * emergency counted on the resident's SOS alert.
 *
 * `npm test` runs a few dozen batches; FUZZ=1 runs 1,000 and FUZZ=<n> runs n (the seed of a failure is printed;
 * replay it with FUZZ_SEED=<seed>).
 */
const RUNS = process.env.FUZZ ? (Number(process.env.FUZZ) > 1 ? Number(process.env.FUZZ) : 1_000) : 30;
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

// ---- JSON text builders: raw number tokens such as 1e400 cannot come from JSON.stringify.
const text = (value: string) => JSON.stringify(value);
const objectText = (entries: [string, string][]) =>
  `{${entries.map(([key, value]) => `${text(key)}:${value}`).join(',')}}`;

/** Strings PostgreSQL can store: no NUL, no unpaired surrogate (encodeURIComponent throws on those). */
const storable = (value: string) => {
  if (value.includes('\u0000')) return false;
  try {
    encodeURIComponent(value);
    return true;
  } catch {
    return false;
  }
};

const anyCodeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
const oddString = fc.oneof(
  fc.constantFrom(
    '',
    '\u0000',
    'a\u0000b',
    '\ud800',
    '\udc00',
    'x\ud83d',
    '\ude00y',
    '🚨',
    '👩‍👩‍👧',
    '\u2028',
    '__proto__',
    'x'.repeat(10_000),
    '🚨'.repeat(3_000),
  ),
  fc.string({ unit: anyCodeUnit, maxLength: 12 }),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);
const safeString = fc.string({ unit: 'grapheme', maxLength: 10 }).filter(storable);

const oddNumber = fc.oneof(
  fc.constantFrom(
    '1e400',
    '-1e400',
    '-0',
    '5e-324',
    '-5e-324',
    '1.7976931348623157e308',
    '1e-400',
    '123456789012345678901234567890',
    '"Infinity"',
    '"NaN"',
    '"12"',
    'null',
    'true',
    '[]',
    '{}',
  ),
  fc.double().map((value) => JSON.stringify(value)),
);
const finiteNumber = fc
  .oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.integer())
  .map((value) => JSON.stringify(value));

/** A JSON object's text whose strings and numbers come from the given arbitraries. */
const jsonObject = (strings: fc.Arbitrary<string>, numbers: fc.Arbitrary<string>) =>
  fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
    value: fc.oneof(
      { depthSize: 'small' },
      fc.constantFrom('null', 'true', 'false'),
      numbers,
      strings.map(text),
      tie('array'),
      tie('object'),
    ),
    array: fc.array(tie('value'), { maxLength: 3 }).map((items) => `[${items.join(',')}]`),
    object: fc.array(fc.tuple(strings, tie('value')), { maxLength: 4 }).map(objectText),
  })).object;

const nested = (depth: number, open: string, close: string) => `${open.repeat(depth)}1${close.repeat(depth)}`;
const validPayload = jsonObject(safeString, finiteNumber).filter(
  (payload) => new TextEncoder().encode(JSON.stringify(JSON.parse(payload))).length <= 4_000,
);
const oddPayload = fc.oneof(
  jsonObject(oddString, oddNumber),
  fc.constantFrom(
    `{"a":${nested(40, '{"a":', '}')}}`,
    `{"a":${nested(5_000, '[', ']')}}`,
    `{"note":${text('x'.repeat(5_000))}}`,
    '[1,2]',
    '"payload"',
    '42',
    'null',
  ),
);

interface RecentTime {
  secondsAgo: number;
  millisecond: number;
  offsetMinutes: number;
  zone: 'Z' | '+hh:mm' | '+hhmm' | ' +hh:mm' | '+hh';
  separator: 'T' | ' ';
  extraDigits: string;
}

/** An instant shortly before now, to be written in ISO-8601 with any offset style, separator and fraction. */
const recentTime: fc.Arbitrary<RecentTime> = fc.record({
  secondsAgo: fc.integer({ min: 0, max: 86_400 }),
  millisecond: fc.integer({ min: 0, max: 999 }),
  offsetMinutes: fc.integer({ min: -(23 * 60 + 59), max: 23 * 60 + 59 }),
  zone: fc.constantFrom('Z', '+hh:mm', '+hhmm', ' +hh:mm', '+hh'),
  separator: fc.constantFrom('T', ' '),
  extraDigits: fc.constantFrom('', '4', '456789'),
});

function formatTime(spec: RecentTime, now: number): string {
  const instant = Math.floor(now / 1000) * 1000 - spec.secondsAgo * 1000 + spec.millisecond;
  const minutes =
    spec.zone === 'Z' ? 0 : spec.zone === '+hh' ? Math.trunc(spec.offsetMinutes / 60) * 60 : spec.offsetMinutes;
  const local = new Date(instant + minutes * 60_000).toISOString();
  const abs = Math.abs(minutes);
  const hh = String(Math.floor(abs / 60)).padStart(2, '0');
  const mm = String(abs % 60).padStart(2, '0');
  const sign = minutes < 0 ? '-' : '+';
  const zones = { Z: 'Z', '+hh': `${sign}${hh}`, '+hhmm': `${sign}${hh}${mm}`, '+hh:mm': `${sign}${hh}:${mm}` };
  const zone = spec.zone === ' +hh:mm' ? ` ${zones['+hh:mm']}` : zones[spec.zone];
  return `${local.slice(0, 10)}${spec.separator}${local.slice(11, 23)}${spec.extraDigits}${zone}`;
}

const oddTime = fc.oneof(
  fc
    .constantFrom(
      '0000-01-01T00:00:00Z',
      '9999-12-31T23:59:59Z',
      '2026-02-30T10:00:00Z',
      '2025-02-29T00:00:00Z',
      '2026-04-31T00:00:00Z',
      '2026-12-06T24:00:00Z',
      '2026-13-01T00:00:00Z',
      '2026-12-06',
      '2026-12-06T10:00:00',
      '+275760-09-13T00:00:00Z',
      'yesterday',
      '',
    )
    .map(text),
  fc.date({ noInvalidDate: true }).map((date) => text(date.toISOString())),
  fc.constantFrom('0', 'null', '1733400000000', '[]'),
  // Today's date moved to a day its month does not have.
  fc
    .constantFrom('-02-30', '-02-31', '-04-31', '-11-31')
    .map((day) => text(`${new Date().getUTCFullYear()}${day}T00:00:00Z`)),
);

type Field = { kind: 'absent' } | { kind: 'json'; json: string } | { kind: 'now'; time: RecentTime };
type EventId = { kind: 'fresh' } | { kind: 'odd'; value: string } | { kind: 'json'; json: string } | { kind: 'absent' };
interface GeneratedEvent {
  /** Built only from valid parts: must be stored exactly once. */
  valid: boolean;
  raw?: string;
  eventId: EventId;
  deviceId: { kind: 'own'; device: string; upper: boolean } | Field;
  sensorKind: Field;
  time: Field;
  value: Field;
  payload: Field;
}

const kinds = sensorEventKind.enumValues;
const deviceKinds = ['activity', 'door', 'fire', 'gas', 'emergency_button', 'fall_detector', 'heart_rate', 'breathing'];
const json = (arbitrary: fc.Arbitrary<string>) => arbitrary.map((value): Field => ({ kind: 'json', json: value }));
const absent = fc.constant<Field>({ kind: 'absent' });

const validEvent = (kindArbitrary: fc.Arbitrary<string>, device: fc.Arbitrary<string>): fc.Arbitrary<GeneratedEvent> =>
  fc.record({
    valid: fc.constant(true),
    eventId: fc.constant<EventId>({ kind: 'fresh' }),
    deviceId: fc.record({ kind: fc.constant('own' as const), device, upper: fc.boolean() }),
    sensorKind: json(kindArbitrary.map(text)),
    time: recentTime.map((time): Field => ({ kind: 'now', time })),
    value: fc.oneof(absent, json(finiteNumber), json(fc.constant('null'))),
    payload: fc.oneof(absent, json(validPayload), json(fc.constant('null'))),
  });

const anyValidEvent = validEvent(fc.constantFrom(...kinds), fc.constantFrom(...deviceKinds));
const validEmergency = validEvent(fc.constant('emergency_button'), fc.constant('emergency_button'));
const oddEvent: fc.Arbitrary<GeneratedEvent> = fc.oneof(
  fc.record({
    valid: fc.constant(false),
    // Valid parts weigh more, so most odd events get past the checks of the other fields to their odd part.
    eventId: fc.oneof(
      { arbitrary: fc.constant<EventId>({ kind: 'fresh' }), weight: 4 },
      oddString.map((value): EventId => ({ kind: 'odd', value })),
      fc.constantFrom('42', 'null', '[]').map((value): EventId => ({ kind: 'json', json: value })),
      fc.constant<EventId>({ kind: 'absent' }),
    ),
    deviceId: fc.oneof(
      {
        arbitrary: fc.record({
          kind: fc.constant('own' as const),
          device: fc.constantFrom(...deviceKinds),
          upper: fc.boolean(),
        }),
        weight: 4,
      },
      json(fc.uuid().map(text)),
      json(oddString.map(text)),
      json(fc.constantFrom('42', 'null')),
      absent,
    ),
    sensorKind: fc.oneof(
      { arbitrary: json(fc.constantFrom(...kinds).map(text)), weight: 4 },
      json(oddString.map(text)),
      json(fc.constant('7')),
      absent,
    ),
    time: fc.oneof(
      { arbitrary: recentTime.map((time): Field => ({ kind: 'now', time })), weight: 4 },
      json(oddTime),
      absent,
    ),
    value: fc.oneof(json(oddNumber), json(finiteNumber), absent),
    payload: fc.oneof(json(oddPayload), json(validPayload), absent),
  }),
  fc.constantFrom('42', 'null', '"event"', '[]', '{}').map(
    (raw): GeneratedEvent => ({
      valid: false,
      raw,
      eventId: { kind: 'absent' },
      deviceId: { kind: 'absent' },
      sensorKind: { kind: 'absent' },
      time: { kind: 'absent' },
      value: { kind: 'absent' },
      payload: { kind: 'absent' },
    }),
  ),
);

const oddHub = fc.oneof(
  fc.constant(undefined),
  fc.constantFrom('42', '"hub"', '[]', 'null'),
  fc
    .record(
      {
        firmware: fc.oneof(oddString.map(text), fc.constantFrom('"1.2.3"', '42')),
        batteryPct: fc.oneof(oddNumber, fc.integer({ min: 0, max: 100 }).map(String)),
        powerState: fc.constantFrom('"mains"', '"battery"', '"cut"', '"nuclear"', '""', '"MAINS"', '1'),
      },
      { requiredKeys: [] },
    )
    .map((hub) => objectText(Object.entries(hub))),
);

const isEmergency = (generated: GeneratedEvent | undefined) =>
  generated?.sensorKind.kind === 'json' && generated.sensorKind.json === text('emergency_button');

const batchArbitrary = fc.record({
  hubIndex: fc.integer({ min: 0, max: 3 }),
  hub: oddHub,
  events: fc.array(
    fc.oneof({ arbitrary: anyValidEvent, weight: 3 }, validEmergency, { arbitrary: oddEvent, weight: 4 }),
    {
      minLength: 1,
      maxLength: 10,
    },
  ),
});

describe('ingest property: odd batches never cost valid events or emergencies (real server and PostgreSQL)', () => {
  let h: Awaited<ReturnType<typeof startIngestHarness>>;
  beforeAll(async () => {
    h = await startIngestHarness({ LOG_LEVEL: 'error' });
  });
  afterAll(() => h.stop());

  test(
    `${RUNS} generated batches`,
    async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(batchArbitrary, async (batch) => {
          run++;
          const hub = h.hub(batch.hubIndex);
          const now = Date.now();
          // Ids are made per execution, so a shrunk batch replayed is new, not a duplicate of its first run.
          const ids: (string | undefined)[] = [];
          const eventTexts = batch.events.map((generated, index) => {
            if (generated.raw !== undefined) {
              ids.push(undefined);
              return generated.raw;
            }
            const entries: [string, string][] = [];
            const fresh = `p${run}-${index}-${now}`;
            const id = generated.eventId;
            const eventId =
              id.kind === 'fresh' ? fresh : id.kind === 'odd' ? id.value && `${fresh}-${id.value}` : undefined;
            ids.push(eventId);
            if (eventId !== undefined) entries.push(['eventId', text(eventId)]);
            else if (id.kind === 'json') entries.push(['eventId', id.json]);
            const device = generated.deviceId;
            if (device.kind === 'own') {
              const deviceId = hub.device(device.device);
              entries.push(['deviceId', text(device.upper ? deviceId.toUpperCase() : deviceId)]);
            } else if (device.kind === 'json') entries.push(['deviceId', device.json]);
            for (const [name, field] of [
              ['kind', generated.sensorKind],
              ['time', generated.time],
              ['value', generated.value],
              ['payload', generated.payload],
            ] as const) {
              if (field.kind === 'json') entries.push([name, field.json]);
              else if (field.kind === 'now') entries.push([name, text(formatTime(field.time, now))]);
            }
            return `{${entries.map(([key, value]) => `${text(key)}:${value}`).join(',')}}`;
          });
          const body = `{${batch.hub === undefined ? '' : `"hub":${batch.hub},`}"events":[${eventTexts.join(',')}]}`;

          const [before] = await h.database.sql<{ presses: number }[]>`
            select coalesce(sum(event_count), 0)::int as presses from alerts
             where resident_id = ${hub.residentId} and kind = 'sos'`;
          const response = await h.post(hub.apiKey, body);

          expect(response.status, JSON.stringify(response.body)).toBe(200);
          const results = response.body?.results ?? [];
          expect(results).toHaveLength(batch.events.length);
          for (const result of results) {
            expect(['accepted', 'duplicate', 'rejected']).toContain(result.status);
            if (result.status === 'rejected') expect(result.reason).toEqual(expect.any(String));
          }
          batch.events.forEach((generated, index) => {
            if (generated.valid) expect(results[index], `valid event ${index}`).toMatchObject({ status: 'accepted' });
          });

          // From the database: each id is stored as many times as it was answered accepted (an id may repeat
          // with different times); an id PostgreSQL cannot hold is never accepted.
          const acceptedPerId = new Map<string, number>();
          results.forEach((result, index) => {
            const id = ids[index];
            if (result.status !== 'accepted') return;
            expect(id, `accepted event ${index} has the id it was sent with`).toBe(result.eventId);
            if (id === undefined) return;
            expect(storable(id), `accepted id ${JSON.stringify(id)} is storable`).toBe(true);
            acceptedPerId.set(id, (acceptedPerId.get(id) ?? 0) + 1);
          });
          const sentIds = ids.filter((id): id is string => id !== undefined && storable(id));
          const rows = await h.database.sql<{ event_id: string; n: number }[]>`
            select event_id, count(*)::int as n from sensor_events
             where hub_id = ${hub.id} and event_id = any(${sentIds}) group by event_id`;
          const storedPerId = new Map(rows.map((row) => [row.event_id, row.n]));
          for (const id of new Set(sentIds)) {
            expect(storedPerId.get(id) ?? 0, `rows of ${JSON.stringify(id).slice(0, 80)}`).toBe(
              acceptedPerId.get(id) ?? 0,
            );
          }

          // Every accepted emergency raised or attached to the resident's SOS alert, counted once.
          const acceptedPresses = results.filter(
            (result, index) => result.status === 'accepted' && isEmergency(batch.events[index]),
          ).length;
          const [after] = await h.database.sql<{ presses: number }[]>`
            select coalesce(sum(event_count), 0)::int as presses from alerts
             where resident_id = ${hub.residentId} and kind = 'sos'`;
          expect((after?.presses ?? 0) - (before?.presses ?? 0)).toBe(acceptedPresses);
          if (acceptedPresses > 0) {
            expect(response.body?.alerts.map((alert) => alert.kind)).toContain('sos');
          }
        }),
        { numRuns: RUNS, ...(SEED === undefined ? {} : { seed: SEED }) },
      );
    },
    Math.max(60_000, RUNS * 1_000),
  );
});
