import type { FeedCamera } from '../../db/queries/camera-feed-leases';
import type { FeedOwnership } from './feed-ownership';
import type { FeedRegistry } from './feed-registry';

/**
 * Makes the open feeds follow the cameras table: every enabled, consented RTP camera has a warm feed (its GOP
 * cache is full before the first viewer, so the first frame never waits for the camera's next IDR), and a camera
 * deleted, disabled, without consent or with a new source loses its old feed and frees its RTP port. Runs at
 * start and on the access re-check's interval, so camera changes made through the API apply without a restart.
 * With several nodes only the cameras this node holds the lease of count (`FeedOwnership`): a feed whose lease went
 * to another node is closed here, so the RTP port is free for the new owner. Resolves with how many feeds were
 * opened.
 */
export async function reconcileFeeds(
  ownership: FeedOwnership,
  feeds: FeedRegistry,
  endRevokedViews: () => Promise<unknown>,
  /** Told the cameras whose feeds are open here after the pass (event media follows them). */
  reconciled?: (cameras: FeedCamera[]) => void,
): Promise<number> {
  const readAt = performance.now();
  const rows = await ownership.ownedCameras();
  // Viewers of a feed about to close hear why from the access rule first ("camera disabled", "consent withdrawn"),
  // not as a bare feed end. The rule reads the database after the rows above, so it sees every change they saw.
  if (feeds.closesWatchedFeeds(rows, readAt)) await endRevokedViews();
  const opened = await feeds.reconcile(rows, readAt);
  reconciled?.(rows);
  return opened;
}
