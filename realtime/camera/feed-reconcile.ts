import type { Sql } from '../../db/client';
import type { WatchableCamera } from '../../db/queries/camera-access';
import type { FeedRegistry } from './feed-registry';

/**
 * Makes the open feeds follow the cameras table: every enabled, consented RTP camera has a warm feed (its GOP
 * cache is full before the first viewer, so the first frame never waits for the camera's next IDR), and a camera
 * deleted, disabled, without consent or with a new source loses its old feed and frees its RTP port. Runs at
 * start and with every access re-check, so camera changes made through the API apply without a restart.
 * Resolves with how many feeds were opened.
 */
export async function reconcileFeeds(sql: Sql, feeds: FeedRegistry): Promise<number> {
  const readAt = performance.now();
  const rows = await sql<{ id: string; source: WatchableCamera['source'] }[]>`
    select id, source from cameras
     where enabled and consent_given_by is not null and consent_recorded_at is not null`;
  return feeds.reconcile(rows, readAt);
}
