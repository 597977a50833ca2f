import type { Sql } from '../../db/client';
import {
  claimFeedLease,
  claimFeedLeases,
  type FeedCamera,
  type FeedLeaseHolder,
  feedCameraColumns,
  hasFeedSql,
  releaseFeedLeases,
} from '../../db/queries/camera-feed-leases';

/** Where a camera's viewers are served: here, or on the node that owns its feed (its internal base URL). */
export type FeedOwner = { here: true } | { here: false; nodeUrl: string; nodeId: string };

/**
 * Which camera feeds this node may open, when several realtime nodes share the database: each feed has exactly one
 * owner at a time, by a lease in `camera_feed_leases` (`db/queries/camera-feed-leases.ts`). Without a node id (one
 * camera service alone, as in the camera unit tests) every camera is this node's. With one, nothing is owned until
 * `listening` gives the URL other nodes reach this one at.
 */
export class FeedOwnership {
  private holder: FeedLeaseHolder | null = null;

  constructor(
    private readonly sql: Sql,
    private readonly nodeId: string | null,
    private readonly leaseMs: number,
  ) {}

  /** This node listens at `nodeUrl` (its internal base URL): from now on it takes and renews leases. */
  listening(nodeUrl: string): void {
    if (this.nodeId !== null) this.holder = { nodeId: this.nodeId, nodeUrl };
  }

  /** Renews and takes leases; resolves with the cameras that have a feed (`hasFeedSql`) and belong here. */
  async ownedCameras(): Promise<FeedCamera[]> {
    if (this.nodeId === null) {
      return this.sql<FeedCamera[]>`select ${feedCameraColumns(this.sql)} from cameras where ${hasFeedSql(this.sql)}`;
    }
    if (!this.holder) return [];
    return claimFeedLeases(this.sql, this.holder, this.leaseMs);
  }

  /**
   * Who serves a viewer of `cameraId`: this node when it holds the lease or could take it (none, or expired), or
   * the live owner. An unknown camera is served here (the access rule answers it as not found).
   */
  async ownerOf(cameraId: string): Promise<FeedOwner> {
    if (this.nodeId === null) return { here: true };
    if (!this.holder) throw new Error('the camera service is not listening yet');
    const owner = await claimFeedLease(this.sql, cameraId, this.holder, this.leaseMs);
    if (!owner || owner.nodeId === this.nodeId) return { here: true };
    return { here: false, nodeUrl: owner.nodeUrl, nodeId: owner.nodeId };
  }

  /** Gives up this node's leases (it is stopping, its feeds are closed): the others take over at once. */
  async release(): Promise<void> {
    const holder = this.holder;
    this.holder = null;
    if (holder) await releaseFeedLeases(this.sql, holder.nodeId);
  }
}
