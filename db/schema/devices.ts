import { sql } from 'drizzle-orm';
import {
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { id, timestamps } from './_helpers';
import { organisations } from './organisations';
import { residents, staff } from './people';

export const hubPowerState = pgEnum('hub_power_state', ['mains', 'battery', 'cut', 'unknown']);

/** Sensor kinds a home gateway carries. */
export const deviceKind = pgEnum('device_kind', [
  'activity',
  'door',
  'fire',
  'gas',
  'emergency_button',
  'fall_detector',
  'heart_rate',
  'breathing',
  'temperature',
  'humidity',
  'light',
  'bed',
]);

/** The gateway in a resident's home. Its API key is shown once at creation; only its SHA-256 is stored. */
export const hubs = pgTable(
  'hubs',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    residentId: uuid('resident_id').references(() => residents.id, { onDelete: 'set null' }),
    name: text('name').notNull(),
    /** First characters of the key, safe to show so staff can tell keys apart. */
    apiKeyPrefix: text('api_key_prefix').notNull(),
    apiKeyHash: text('api_key_hash').notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }),
    firmware: text('firmware'),
    powerState: hubPowerState('power_state').notNull().default('unknown'),
    batteryPct: integer('battery_pct'),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('hubs_api_key_hash_key').on(t.apiKeyHash),
    index('hubs_org_idx').on(t.orgId),
    index('hubs_resident_idx').on(t.residentId),
  ],
);

export const devices = pgTable(
  'devices',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    hubId: uuid('hub_id')
      .notNull()
      .references(() => hubs.id, { onDelete: 'cascade' }),
    kind: deviceKind('kind').notNull(),
    room: text('room'),
    label: text('label'),
    batteryPct: integer('battery_pct'),
    /** False alarms reported against this device; past 3 it is flagged for inspection. */
    falseAlarmCount: integer('false_alarm_count').notNull().default(0),
    needsInspection: boolean('needs_inspection').notNull().default(false),
    lastEventAt: timestamp('last_event_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    index('devices_hub_idx').on(t.hubId),
    index('devices_org_idx').on(t.orgId),
    check('devices_battery_range', sql`${t.batteryPct} is null or ${t.batteryPct} between 0 and 100`),
  ],
);

/** Where a camera's video comes from: RTP pushed by the camera/hub, or the built-in test pattern. */
export type CameraSource =
  | { type: 'rtp'; port: number; ssrc?: number; payloadType?: number; allowFrom?: string[] }
  | { type: 'test-pattern'; width?: number; height?: number; fps?: number; gopSeconds?: number };

export const cameras = pgTable(
  'cameras',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    residentId: uuid('resident_id')
      .notNull()
      .references(() => residents.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    room: text('room'),
    source: jsonb('source').$type<CameraSource>().notNull(),
    /** Consent to live viewing: who gave it (the resident or a named guardian); no consent, no stream. */
    consentGivenBy: text('consent_given_by'),
    consentRecordedBy: uuid('consent_recorded_by').references(() => staff.id, { onDelete: 'set null' }),
    consentRecordedAt: timestamp('consent_recorded_at', { withTimezone: true }),
    /**
     * Consent to event media, given separately from live viewing: a snapshot and a pre-alarm clip attached to an
     * alert. Without it the camera keeps no recent video and no alert captures any.
     */
    eventMediaConsentGivenBy: text('event_media_consent_given_by'),
    eventMediaConsentRecordedBy: uuid('event_media_consent_recorded_by').references(() => staff.id, {
      onDelete: 'set null',
    }),
    eventMediaConsentRecordedAt: timestamp('event_media_consent_recorded_at', { withTimezone: true }),
    enabled: boolean('enabled').notNull().default(true),
    ...timestamps,
  },
  (t) => [index('cameras_resident_idx').on(t.residentId), index('cameras_org_idx').on(t.orgId)],
);

export type Hub = typeof hubs.$inferSelect;
export type NewHub = typeof hubs.$inferInsert;
export type Device = typeof devices.$inferSelect;
export type NewDevice = typeof devices.$inferInsert;
export type Camera = typeof cameras.$inferSelect;
export type NewCamera = typeof cameras.$inferInsert;

/**
 * Standing camera access an admin grants a caregiver for one resident's cameras, outside open alerts
 * (e.g. a resident under close watch after discharge). Revoked by setting `revoked_at` (and who revoked it in
 * `revoked_by`); optional expiry. Rows are kept after revocation: they record who could watch, and why.
 */
export const cameraAccessGrants = pgTable(
  'camera_access_grants',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    residentId: uuid('resident_id')
      .notNull()
      .references(() => residents.id, { onDelete: 'cascade' }),
    staffId: uuid('staff_id')
      .notNull()
      .references(() => staff.id, { onDelete: 'cascade' }),
    grantedBy: uuid('granted_by').references(() => staff.id, { onDelete: 'set null' }),
    reason: text('reason').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedBy: uuid('revoked_by').references(() => staff.id, { onDelete: 'set null' }),
    ...timestamps,
  },
  (t) => [
    index('camera_access_grants_staff_resident_idx').on(t.staffId, t.residentId),
    // Listing a resident's grants (the admin API) and the access re-check's lookups by resident.
    index('camera_access_grants_resident_idx').on(t.residentId, t.createdAt),
  ],
);

export type CameraAccessGrant = typeof cameraAccessGrants.$inferSelect;
export type NewCameraAccessGrant = typeof cameraAccessGrants.$inferInsert;
