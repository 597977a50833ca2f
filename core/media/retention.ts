import type { Sql } from '../../db/client';
import { defaultOrganisationSettings } from '../../db/defaults';
import { mediaStorageKey } from '../../db/media-keys';
import { usableSetting } from '../../db/organisation-settings';
import type { AlertMediaKind } from '../../db/schema/alert-media';
import type { MediaStore } from './media-store';

const DAY_MS = 86_400_000;
/** A capture still `capturing` after this long lost its node (crash, restart): it never finishes. */
export const CAPTURE_ABANDONED_AFTER_MS = 10 * 60_000;

/**
 * Deletes the media rows older than their organisation's `mediaRetentionDays` (30 unless set), at most `batch` per
 * organisation per call (the job runs again); the delete trigger queues each stored row's bytes for
 * `purgeQueuedMedia`. Age counts from the capture's request (the alert's moment). Returns the rows deleted.
 */
export async function expireMedia(sql: Sql, now: Date = new Date(), batch = 1_000): Promise<number> {
  const organisations = await sql<{ id: string; days: unknown }[]>`
    select o.id, o.settings->'mediaRetentionDays' as days from organisations o
     where exists (select 1 from alert_media m where m.org_id = o.id)`;
  let deleted = 0;
  for (const organisation of organisations) {
    const days =
      usableSetting('mediaRetentionDays', organisation.days) ?? defaultOrganisationSettings.mediaRetentionDays;
    const before = new Date(now.getTime() - days * DAY_MS);
    // SKIP LOCKED: a row a capture is finishing right now is left for the next run instead of waited on.
    const rows = await sql`
      delete from alert_media where id in (
        select id from alert_media
         where org_id = ${organisation.id} and requested_at < ${before}
         order by requested_at limit ${batch}
           for update skip locked)
      returning id`;
    deleted += rows.length;
  }
  return deleted;
}

/**
 * Marks captures still `capturing` after `CAPTURE_ABANDONED_AFTER_MS` as `failed` ("capture abandoned") and queues
 * their deterministic key (`mediaStorageKey`) for purge, in one transaction: a node that died half-way may have left
 * bytes there with no row pointing at them. Returns the rows marked.
 */
export async function abandonStaleCaptures(sql: Sql, now: Date = new Date(), batch = 1_000): Promise<number> {
  const before = new Date(now.getTime() - CAPTURE_ABANDONED_AFTER_MS);
  return sql.begin(async (tx) => {
    const rows = await tx<{ id: string; orgId: string; alertId: string; kind: AlertMediaKind }[]>`
      update alert_media m set state = 'failed', error = 'capture abandoned'
        from (select id from alert_media
               where state = 'capturing' and requested_at < ${before}
               order by id limit ${batch}
                 for update skip locked) stale
       where m.id = stale.id
      returning m.id, m.org_id as "orgId", m.alert_id as "alertId", m.kind`;
    if (rows.length > 0) {
      await tx`
        insert into media_purge_queue (storage_key)
        select unnest(${rows.map(mediaStorageKey)}::text[])
        on conflict (storage_key) do nothing`;
    }
    return rows.length;
  });
}

export interface PurgeOutcome {
  /** Keys the store confirmed deleted (or never had): their queue rows are gone. */
  purged: number;
  /** Keys the store refused this time: their queue rows stay, with `attempts` counted and `last_error`. */
  failed: number;
}

/**
 * Deletes from the store the bytes of up to `limit` queued keys (oldest first), removing each queue row only after
 * the store confirmed; a failure counts an attempt and records the error, and the key is tried again next run.
 * No transaction spans a store call (a slow or dead store must not hold a connection and row locks for minutes),
 * and the run takes no new key after `budgetMs` (but always one), so a node stopping never waits long for it. Run by one
 * process at a time (the `media-purge` job takes an advisory lock): a key deleted twice would be harmless anyway.
 */
export async function purgeQueuedMedia(
  sql: Sql,
  store: MediaStore,
  limit = 100,
  budgetMs = 5_000,
): Promise<PurgeOutcome> {
  const started = Date.now();
  const queued = await sql<{ storageKey: string }[]>`
    select storage_key as "storageKey" from media_purge_queue
     order by requested_at, storage_key limit ${limit}`;
  const outcome: PurgeOutcome = { purged: 0, failed: 0 };
  for (const [index, { storageKey }] of queued.entries()) {
    // At least one key per run, so a budget smaller than one store call still makes progress.
    if (index > 0 && Date.now() - started > budgetMs) break;
    try {
      await store.delete(storageKey);
    } catch (error) {
      outcome.failed++;
      const message = (error instanceof Error ? error.message : String(error)).slice(0, 500);
      await sql`
        update media_purge_queue set attempts = attempts + 1, last_error = ${message}
         where storage_key = ${storageKey}`;
      continue;
    }
    outcome.purged++;
    await sql`delete from media_purge_queue where storage_key = ${storageKey}`;
  }
  return outcome;
}
