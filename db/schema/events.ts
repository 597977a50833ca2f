import {
  doublePrecision,
  index,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

/** What a home gateway reports. Cancellations are events too. */
export const sensorEventKind = pgEnum('sensor_event_kind', [
  'emergency_button',
  'emergency_button_cancel',
  'call_119',
  'call_119_cancel',
  'fire',
  'fire_cleared',
  'smoke',
  'gas',
  'gas_cleared',
  'door_open',
  'door_closed',
  'activity',
  'no_activity',
  'going_out',
  'back_home',
  'power_cut',
  'power_restored',
  'no_data',
  'sensor_link_lost',
  'device_activated',
  'fall',
  'heart_rate',
  'breathing',
  'temperature',
  'humidity',
  'light',
  'battery',
  'false_alarm',
]);

/**
 * Append-only time series (a TimescaleDB hypertable where the extension exists).
 * No foreign keys: ingest checks ownership before writing, and the erase path deletes rows explicitly,
 * which keeps batch inserts and chunk compression cheap. Unique keys must include `time` on a hypertable.
 */
export const sensorEvents = pgTable(
  'sensor_events',
  {
    time: timestamp('time', { withTimezone: true }).notNull(),
    orgId: uuid('org_id').notNull(),
    residentId: uuid('resident_id'),
    hubId: uuid('hub_id').notNull(),
    deviceId: uuid('device_id'),
    kind: sensorEventKind('kind').notNull(),
    value: doublePrecision('value'),
    payload: jsonb('payload').$type<Record<string, unknown>>(),
    /** Hub-assigned id; a retried batch carries the same (hub, event id, time) and is recognised as a duplicate. */
    eventId: text('event_id').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('sensor_events_hub_event_time_key').on(t.hubId, t.eventId, t.time),
    index('sensor_events_resident_time_idx').on(t.residentId, t.time.desc()),
    index('sensor_events_org_time_idx').on(t.orgId, t.time.desc()),
  ],
);

export type SensorEvent = typeof sensorEvents.$inferSelect;
export type NewSensorEvent = typeof sensorEvents.$inferInsert;
export type SensorEventKind = (typeof sensorEventKind.enumValues)[number];
