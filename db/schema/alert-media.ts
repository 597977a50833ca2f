import { sql } from 'drizzle-orm';
import { check, index, integer, pgEnum, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id } from './_helpers';
import { alerts } from './alerts';
import { cameras } from './devices';
import { organisations } from './organisations';
import { residents } from './people';

export const alertMediaKind = pgEnum('alert_media_kind', ['snapshot', 'clip']);
export const alertMediaState = pgEnum('alert_media_state', ['capturing', 'stored', 'failed']);
export type AlertMediaKind = (typeof alertMediaKind.enumValues)[number];
export type AlertMediaState = (typeof alertMediaState.enumValues)[number];

/**
 * Evidence a camera attached to an alert: one snapshot and one pre-alarm clip per (alert, camera). The row is the
 * claim: the node holding the camera's feed inserts it (`capturing`) before it starts, so two nodes or a repeated
 * wake-up never capture twice, then records where the bytes went (`stored`) or why not (`failed`). The bytes live
 * in the media store under `storage_key`; removing them goes through `media_purge_queue`.
 */
export const alertMedia = pgTable(
  'alert_media',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    alertId: uuid('alert_id')
      .notNull()
      .references(() => alerts.id, { onDelete: 'cascade' }),
    residentId: uuid('resident_id')
      .notNull()
      .references(() => residents.id, { onDelete: 'cascade' }),
    /** Null once the camera itself was deleted: the evidence stays until retention removes it. */
    cameraId: uuid('camera_id').references(() => cameras.id, { onDelete: 'set null' }),
    kind: alertMediaKind('kind').notNull(),
    state: alertMediaState('state').notNull().default('capturing'),
    /** The node that claimed the capture (its NODE_ID). */
    nodeId: text('node_id').notNull(),
    storageKey: text('storage_key'),
    contentType: text('content_type'),
    bytes: integer('bytes'),
    /** What the picture shows: the frame's arrival (snapshot), or the clip's first and last frames. */
    capturedFrom: timestamp('captured_from', { withTimezone: true }),
    capturedUntil: timestamp('captured_until', { withTimezone: true }),
    /** Why a capture failed ("no keyframe yet", "ffmpeg exited 1", "storage unwritable: …"). */
    error: text('error'),
    requestedAt: timestamp('requested_at', { withTimezone: true }).notNull().defaultNow(),
    storedAt: timestamp('stored_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('alert_media_alert_camera_kind').on(t.alertId, t.cameraId, t.kind),
    index('alert_media_org_requested_idx').on(t.orgId, t.requestedAt),
    index('alert_media_resident_idx').on(t.residentId),
    check('alert_media_stored_has_key', sql`${t.state} <> 'stored' or ${t.storageKey} is not null`),
  ],
);

export type AlertMedia = typeof alertMedia.$inferSelect;
export type NewAlertMedia = typeof alertMedia.$inferInsert;

/**
 * Stored media whose rows are gone (retention, discharge, erase) or going, and whose bytes must still be deleted
 * from the media store: written in the same transaction that removes the rows, emptied by the realtime node's
 * `media-purge` job, which retries until the store confirms. Nothing in it names a resident.
 */
export const mediaPurgeQueue = pgTable('media_purge_queue', {
  storageKey: text('storage_key').primaryKey(),
  requestedAt: timestamp('requested_at', { withTimezone: true }).notNull().defaultNow(),
  attempts: integer('attempts').notNull().default(0),
  lastError: text('last_error'),
});
