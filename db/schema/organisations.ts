import { integer, jsonb, pgTable, text } from 'drizzle-orm/pg-core';
import { id, timestamps } from './_helpers';
import type { AlertSeverity } from './alert-severity';

/** Org-wide defaults that residents inherit unless their own thresholds override them. */
export interface OrganisationSettings {
  /** IANA zone used for "night" and "today" (default Asia/Seoul). */
  timeZone?: string;
  /** Door openings between these local hours raise a night-door alert, e.g. { start: 23, end: 6 }. */
  nightHours?: { start: number; end: number };
  /** Minutes without a hub heartbeat before "hub offline". */
  hubOfflineMinutes?: number;
  /**
   * Per severity, seconds an alert may stay acknowledged but unresolved before it re-triggers (back to open, its
   * current step told again); null = never. A severity left out takes the default.
   */
  ackTimeoutSeconds?: Partial<Record<AlertSeverity, number | null>>;
  /**
   * The alert kinds that attach event media (a snapshot and a pre-alarm clip from the resident's consented cameras),
   * each with the lowest severity that does, e.g. `no_activity: 'critical'`; replaces the whole default map.
   */
  eventMediaKinds?: Record<string, AlertSeverity>;
  /** Days stored snapshots and clips are kept before the retention job deletes them. */
  mediaRetentionDays?: number;
}

/** A care organisation (regional care centre); every other row belongs to exactly one. */
export const organisations = pgTable('organisations', {
  id: id(),
  name: text('name').notNull(),
  settings: jsonb('settings').$type<OrganisationSettings>().notNull().default({}),
  /**
   * Bumped when an invalidation of the organisation's shared cache failed (cache unreachable): values cached under
   * an older generation are never served again (`functions/cache/generation-guard.ts`).
   */
  cacheGeneration: integer('cache_generation').notNull().default(0),
  ...timestamps,
});

export type Organisation = typeof organisations.$inferSelect;
export type NewOrganisation = typeof organisations.$inferInsert;
