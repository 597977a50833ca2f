import { index, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { cameras } from './devices';

/**
 * Which realtime node owns each camera's feed: only the owner opens it (binds its RTP port, runs its test pattern)
 * and answers its viewers; the other nodes forward viewers to `node_url`. An owner renews its leases on every feed
 * reconcile; a lease past `lease_until` may be taken by any node (its owner died), and a draining owner deletes its
 * leases so another node takes over at once (`db/queries/camera-feed-leases.ts`).
 */
export const cameraFeedLeases = pgTable(
  'camera_feed_leases',
  {
    cameraId: uuid('camera_id')
      .primaryKey()
      .references(() => cameras.id, { onDelete: 'cascade' }),
    /** The owner's NODE_ID. */
    nodeId: text('node_id').notNull(),
    /** The owner's internal base URL (CAMERA_NODE_URL), where other nodes forward viewers. */
    nodeUrl: text('node_url').notNull(),
    leaseUntil: timestamp('lease_until', { withTimezone: true }).notNull(),
  },
  (t) => [index('camera_feed_leases_node_idx').on(t.nodeId)],
);

export type CameraFeedLease = typeof cameraFeedLeases.$inferSelect;
export type NewCameraFeedLease = typeof cameraFeedLeases.$inferInsert;
