import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ALERTS_CHANNEL } from '../../db/alerts/channel';
import { localHour } from './settings';
import { event, startIngestHarness } from './testing';

/** The most recent instant (at least 10 minutes ago) whose Seoul wall-clock hour is `hour`. */
function pastSeoulHour(hour: number): string {
  let time = Date.now() - 10 * 60_000;
  while (localHour(new Date(time), 'Asia/Seoul') !== hour) time -= 3_600_000;
  return new Date(time).toISOString();
}

describe('detection rules through POST /v1/ingest/events', () => {
  let h: Awaited<ReturnType<typeof startIngestHarness>>;
  let nextHub = 0;
  /** Each case gets a home of its own, so open alerts of one case never dedup another's. */
  const home = () => h.hub(nextHub++);
  const alertsOf = (residentId: string) =>
    h.database.sql<
      {
        id: string;
        kind: string;
        severity: string;
        status: string;
        event_count: number;
        details: Record<string, unknown>;
        dedup_key: string;
      }[]
    >`
      select id, kind, severity, status, event_count, details, dedup_key from alerts
       where resident_id = ${residentId} order by opened_at`;

  beforeAll(async () => {
    h = await startIngestHarness({}, 32);
  });
  afterAll(() => h.stop());

  test.each([
    ['emergency_button', 'emergency_button', undefined, 'sos', 'critical'],
    ['call_119', 'emergency_button', undefined, 'call_119', 'critical'],
    ['fire', 'fire', undefined, 'fire', 'critical'],
    ['smoke', 'fire', undefined, 'fire', 'critical'],
    ['gas', 'gas', undefined, 'gas', 'critical'],
    ['fall', 'fall_detector', 0.9, 'fall', 'critical'],
    ['power_cut', null, undefined, 'power_cut', 'medium'],
    ['no_data', null, undefined, 'hub_no_data', 'medium'],
    ['sensor_link_lost', 'door', undefined, 'sensor_link_lost', 'medium'],
    ['battery', 'door', 15, 'low_battery', 'low'],
  ])('%s raises %s', async (kind, device, value, alertKind, severity) => {
    const hub = home();
    const deviceId = device ? hub.device(device) : null;
    const first = await h.post(hub.apiKey, { events: [event(deviceId, kind, value === undefined ? {} : { value })] });
    expect(first.status).toBe(200);
    expect(first.body?.alerts).toEqual([{ alertId: expect.any(String), kind: alertKind, severity, created: true }]);
    // A second matching event attaches to the open alert instead of opening another.
    const second = await h.post(hub.apiKey, { events: [event(deviceId, kind, value === undefined ? {} : { value })] });
    expect(second.body?.alerts).toEqual([
      { alertId: first.body?.alerts[0]?.alertId, kind: alertKind, severity, created: false },
    ]);
    const alerts = await alertsOf(hub.residentId);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ kind: alertKind, severity, status: 'open', event_count: 2 });
    const [deliveries] = await h.database.sql<{ n: number }[]>`
      select count(*)::int as n from alert_deliveries where alert_id = ${alerts[0]?.id ?? ''}`;
    expect(deliveries?.n).toBeGreaterThan(0);
  });

  test.each([
    ['fall below the confidence threshold', 'fall', 'fall_detector', 0.3],
    ['battery above the low mark', 'battery', 'door', 55],
    ['a single activity event', 'activity', 'activity', undefined],
    ['a temperature reading in range', 'temperature', 'activity', 21],
  ])('no alert for %s', async (_name, kind, device, value) => {
    const hub = home();
    const response = await h.post(hub.apiKey, {
      events: [event(hub.device(device), kind, value === undefined ? {} : { value })],
    });
    expect(response.body).toMatchObject({ accepted: 1, alerts: [] });
    expect(await alertsOf(hub.residentId)).toHaveLength(0);
  });

  test('a new alert is announced with NOTIFY on commit and carries its first deliveries (outbox)', async () => {
    const hub = home();
    const heard: string[] = [];
    const listener = await h.database.sql.listen(ALERTS_CHANNEL, (payload) => heard.push(payload));
    try {
      const response = await h.post(hub.apiKey, { events: [event(hub.device('gas'), 'gas')] });
      const alertId = response.body?.alerts[0]?.alertId;
      await expect
        .poll(() => heard.map((text) => JSON.parse(text) as { alertId: string; change: string }))
        .toContainEqual(expect.objectContaining({ alertId, change: 'created' }));
      const deliveries = await h.database.sql`select state from alert_deliveries where alert_id = ${alertId ?? ''}`;
      expect(deliveries.map((row) => row.state)).toContain('pending');
    } finally {
      await listener.unlisten();
    }
  });

  test('vital signs alert only when out of range for the sustained window (3 readings within 10 minutes)', async () => {
    const hub = home();
    const heart = hub.device('heart_rate');
    const two = await h.post(hub.apiKey, {
      events: [
        event(heart, 'heart_rate', { value: 130, secondsAgo: 120 }),
        event(heart, 'heart_rate', { value: 128, secondsAgo: 60 }),
      ],
    });
    expect(two.body?.alerts).toEqual([]);
    const inRange = await h.post(hub.apiKey, { events: [event(heart, 'heart_rate', { value: 80, secondsAgo: 50 })] });
    expect(inRange.body?.alerts).toEqual([]);
    // out, out, in, out: the in-range reading breaks the run.
    const broken = await h.post(hub.apiKey, { events: [event(heart, 'heart_rate', { value: 131, secondsAgo: 40 })] });
    expect(broken.body?.alerts).toEqual([]);
    const sustained = await h.post(hub.apiKey, {
      events: [
        event(heart, 'heart_rate', { value: 135, secondsAgo: 30 }),
        event(heart, 'heart_rate', { value: 140, secondsAgo: 20 }),
      ],
    });
    expect(sustained.body?.alerts).toEqual([
      expect.objectContaining({ kind: 'heart_rate', severity: 'high', created: true }),
    ]);
    const [alert] = await alertsOf(hub.residentId);
    expect(alert?.details).toMatchObject({
      readings: [140, 135, 131],
      band: { min: 60, max: 100 },
      direction: 'above',
    });
  });

  test("vital bands come from the resident's own thresholds when set", async () => {
    const hub = home();
    await h.database.sql`
      update residents set thresholds = ${JSON.stringify({ breathing: { min: 8, max: 12 } })}::text::jsonb where id = ${hub.residentId}`;
    const breathing = hub.device('breathing');
    // 13/min is inside the product default (14–20)? No: below it; but above this resident's 8–12 band.
    const response = await h.post(hub.apiKey, {
      events: [13, 13.5, 14].map((value, i) => event(breathing, 'breathing', { value, secondsAgo: 30 - i })),
    });
    expect(response.body?.alerts).toEqual([expect.objectContaining({ kind: 'breathing', severity: 'high' })]);
    expect((await alertsOf(hub.residentId))[0]?.details).toMatchObject({
      direction: 'above',
      band: { min: 8, max: 12 },
    });
  });

  test("a door opened during the organisation's night hours alerts; by day it does not", async () => {
    const hub = home();
    const door = hub.device('door');
    const day = await h.post(hub.apiKey, { events: [event(door, 'door_open', { time: pastSeoulHour(14) })] });
    expect(day.body?.alerts).toEqual([]);
    const night = await h.post(hub.apiKey, { events: [event(door, 'door_open', { time: pastSeoulHour(2) })] });
    expect(night.body?.alerts).toEqual([
      expect.objectContaining({ kind: 'door_at_night', severity: 'medium', created: true }),
    ]);
  });

  test('a hub heartbeat reporting its power cut raises power_cut; power restored resolves it by the system', async () => {
    const hub = home();
    const cut = await h.post(hub.apiKey, { hub: { powerState: 'cut', batteryPct: 70 }, events: [] });
    expect(cut.body?.alerts).toEqual([
      expect.objectContaining({ kind: 'power_cut', severity: 'medium', created: true }),
    ]);
    const restored = await h.post(hub.apiKey, { events: [event(null, 'power_restored')] });
    expect(restored.body?.cleared).toEqual([
      { alertId: cut.body?.alerts[0]?.alertId, kind: 'power_cut', resolved: true },
    ]);
    const [alert] = await h.database
      .sql`select status, resolved_by, resolution_note from alerts where id = ${cut.body?.alerts[0]?.alertId ?? ''}`;
    expect(alert).toMatchObject({ status: 'resolved', resolved_by: null, resolution_note: 'Gateway power restored' });
    // Nobody waits for a resolved alert: its deliveries are superseded (with history), never re-sent or pushed.
    const deliveries = await h.database.sql<{ state: string; history: string }[]>`
      select d.state, (select string_agg(coalesce(x.from_state::text, '∅') || '→' || x.to_state, ',' order by x.id)
                         from alert_delivery_history x where x.delivery_id = d.id) as history
        from alert_deliveries d where d.alert_id = ${cut.body?.alerts[0]?.alertId ?? ''}`;
    expect(deliveries.length).toBeGreaterThan(0);
    for (const delivery of deliveries) {
      expect(delivery.state).toBe('superseded');
      expect(delivery.history).toMatch(/→superseded$/);
    }
  });

  test('a button cancel marks the open SOS alert (kept open for a person) and counts a false alarm', async () => {
    const hub = home();
    const button = hub.device('emergency_button');
    const pressed = await h.post(hub.apiKey, { events: [event(button, 'emergency_button', { secondsAgo: 5 })] });
    const alertId = pressed.body?.alerts[0]?.alertId;
    const cancel = event(button, 'emergency_button_cancel');
    const cancelled = await h.post(hub.apiKey, { events: [cancel] });
    expect(cancelled.body?.cleared).toEqual([{ alertId, kind: 'sos', resolved: false }]);
    const [alert] = await alertsOf(hub.residentId);
    expect(alert).toMatchObject({ status: 'open', details: { cleared: { eventId: cancel.eventId } } });
    const [device] = await h.database.sql`select false_alarm_count from devices where id = ${button}`;
    expect(device?.false_alarm_count).toBe(1);
  });

  test('a device reaching 3 false alarms is flagged for inspection, with one inspection alert', async () => {
    const hub = home();
    const fire = hub.device('fire');
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await h.post(hub.apiKey, { events: [event(fire, 'false_alarm')] }));
    expect(answers.map((answer) => answer.body?.alerts.length)).toEqual([0, 0, 1, 0]);
    expect(answers[2]?.body?.alerts[0]).toMatchObject({ kind: 'device_inspection', severity: 'low', created: true });
    const [device] = await h.database.sql`select false_alarm_count, needs_inspection from devices where id = ${fire}`;
    expect(device).toMatchObject({ false_alarm_count: 4, needs_inspection: true });
  });

  test('a resolved alert is not reused: the next press opens a new one', async () => {
    const hub = home();
    const button = hub.device('emergency_button');
    const first = await h.post(hub.apiKey, { events: [event(button, 'emergency_button')] });
    await h.database
      .sql`update alerts set status = 'resolved', resolved_at = now() where id = ${first.body?.alerts[0]?.alertId ?? ''}`;
    const again = await h.post(hub.apiKey, { events: [event(button, 'emergency_button')] });
    expect(again.body?.alerts[0]).toMatchObject({ created: true });
    expect(again.body?.alerts[0]?.alertId).not.toBe(first.body?.alerts[0]?.alertId);
  });

  test('several presses in one batch make one alert counting them all; press then cancel in one batch keeps order', async () => {
    const hub = home();
    const button = hub.device('emergency_button');
    const presses = [3, 2, 1].map((secondsAgo) => event(button, 'emergency_button', { secondsAgo }));
    const response = await h.post(hub.apiKey, { events: presses });
    expect(response.body?.alerts).toEqual([expect.objectContaining({ kind: 'sos', created: true })]);
    expect((await alertsOf(hub.residentId))[0]?.event_count).toBe(3);

    const other = home();
    const otherButton = other.device('emergency_button');
    const both = await h.post(other.apiKey, {
      events: [
        event(otherButton, 'emergency_button_cancel', { secondsAgo: 1 }),
        event(otherButton, 'emergency_button', { secondsAgo: 2 }),
      ],
    });
    expect(both.body?.alerts).toEqual([expect.objectContaining({ kind: 'sos', created: true })]);
    expect(both.body?.cleared).toEqual([expect.objectContaining({ kind: 'sos', resolved: false })]);
  });

  test('a retried batch with an SOS does not count the press twice', async () => {
    const hub = home();
    const body = { events: [event(hub.device('emergency_button'), 'emergency_button')] };
    await h.post(hub.apiKey, body);
    const retry = await h.post(hub.apiKey, body);
    expect(retry.body).toMatchObject({ duplicates: 1, alerts: [] });
    expect((await alertsOf(hub.residentId))[0]?.event_count).toBe(1);
  });

  test('going out pauses (presence out), coming back home is activity; both update the resident', async () => {
    const hub = home();
    // Presence events older than the last presence change (seeding, a staff edit) do not override it.
    await h.post(hub.apiKey, { events: [event(null, 'going_out', { secondsAgo: 3600 })] });
    const [stale] = await h.database.sql`select presence from residents where id = ${hub.residentId}`;
    expect(stale?.presence).toBe('home');
    await h.post(hub.apiKey, { events: [event(null, 'going_out')] });
    const [out] = await h.database.sql`select presence from residents where id = ${hub.residentId}`;
    expect(out?.presence).toBe('out');
    await new Promise((resolve) => setTimeout(resolve, 5));
    const back = event(null, 'back_home');
    await h.post(hub.apiKey, { events: [back] });
    const [home2] = await h.database.sql<{ presence: string; last: string }[]>`
      select presence, to_char(last_activity_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as last
        from residents where id = ${hub.residentId}`;
    expect(home2).toEqual({ presence: 'home', last: back.time });
  });
});
