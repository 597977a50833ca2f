import { randomUUID } from 'node:crypto';
import { routineEvents } from '../simulate/events';

/** The device kinds of a full home kit, one device id each (as `seedDemoOrganisation` gives every hub). */
const DEVICE_KINDS = [
  'activity',
  'door',
  'fire',
  'gas',
  'emergency_button',
  'fall_detector',
  'heart_rate',
  'breathing',
];

const DAY_MS = 86_400_000;
/** Hubs send a batch a minute: an event is received up to 60 s after it happened. */
const BATCH_INTERVAL_MS = 60_000;

/** One row of `sensor_events` as ingest stores a routine event (no payload, received when its batch arrived). */
export interface StorageRow {
  time: string;
  org_id: string;
  resident_id: string;
  hub_id: string;
  device_id: string | null;
  kind: string;
  value: number | null;
  payload: null;
  event_id: string;
  received_at: string;
}

export interface DayPlan {
  residents: number;
  days: number;
  eventsPerResidentDay: number;
  /** Midnight UTC ending the last day: rows fall in [end − days, end). */
  end: number;
}

/**
 * The rows of `days` days of routine traffic for `residents` homes of one organisation, in time order as they would
 * arrive: per home and day, `eventsPerResidentDay` events of the simulator's mix (`routineEvents`: motion, heart
 * rate, breathing, room temperature, a few doors) spread over the day. Deterministic but for the event ids (UUIDs,
 * as hubs send them).
 */
export function planDays(plan: DayPlan): StorageRow[] {
  const orgId = randomUUID();
  const rows: StorageRow[] = [];
  for (let r = 0; r < plan.residents; r++) {
    const residentId = randomUUID();
    const hubId = randomUUID();
    const devices = Object.fromEntries(DEVICE_KINDS.map((kind) => [kind, randomUUID()]));
    for (let d = 0; d < plan.days; d++) {
      const dayEnd = plan.end - d * DAY_MS;
      const events = routineEvents({ apiKey: '', devices }, plan.eventsPerResidentDay, {
        now: dayEnd - 1,
        spreadMs: DAY_MS,
        seed: r * 1_000 + d + 1,
      });
      for (const [i, event] of events.entries()) {
        const time = Date.parse(event.time);
        rows.push({
          time: event.time,
          org_id: orgId,
          resident_id: residentId,
          hub_id: hubId,
          device_id: event.deviceId,
          kind: event.kind,
          value: event.value ?? null,
          payload: null,
          event_id: event.eventId,
          received_at: new Date(time + ((i * 7_919) % BATCH_INTERVAL_MS)).toISOString(),
        });
      }
    }
  }
  return rows.sort((a, b) => (a.time < b.time ? -1 : a.time > b.time ? 1 : 0));
}

/** Events of each kind in `rows`, most frequent first. */
export function kindMix(rows: readonly StorageRow[]): Record<string, number> {
  const counts = new Map<string, number>();
  for (const row of rows) counts.set(row.kind, (counts.get(row.kind) ?? 0) + 1);
  return Object.fromEntries([...counts].sort((a, b) => b[1] - a[1]));
}

/** Bytes per event, to one decimal. */
export function perEvent(bytes: number, events: number): number {
  if (events <= 0) throw new Error('no events to divide by');
  return Math.round((bytes / events) * 10) / 10;
}

/** `before / after`, to two decimals (how many times smaller compression made it). */
export function ratio(before: number, after: number): number {
  if (after <= 0) throw new Error('nothing after compression to divide by');
  return Math.round((before / after) * 100) / 100;
}
