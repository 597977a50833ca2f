import type { StaffIdentity } from '../core/auth/access-token';
import type { Logger } from '../core/logger';
import {
  activeStaffSequences,
  type ReplayedDelivery,
  type ReplayPageRequest,
  replayDeliveryPages,
} from '../db/alerts/outstanding';
import { type AlertSnapshot, alertSnapshots } from '../db/alerts/snapshot';
import type { Sql } from '../db/client';
import { Batcher } from './batcher';

/** Deliveries read in one page of a replay. */
export const REPLAY_PAGE = 500;
/** Replay pages read in one statement. */
const PAGE_BATCH = 50;

/** A replayed delivery with its alert's current snapshot (absent when the alert is gone). */
export type ReplayedFrame = ReplayedDelivery & { snapshot: AlertSnapshot | undefined };

/**
 * The reads a dashboard connection makes when it opens and resumes, batched across connections: a node that loses
 * its neighbour takes thousands of reconnects within a second, and one query per connection would queue the
 * database (and the node's pool) for seconds. Each batch is one statement per kind, whatever its size.
 */
export class SessionReads {
  private readonly starts: Batcher<StaffIdentity, number | null>;
  private readonly pages: Batcher<ReplayPageRequest, ReplayedFrame[]>;

  constructor(sql: Sql, options: { nodeId: string; resendSeconds: number; logger: Logger }) {
    const { logger, nodeId, resendSeconds } = options;
    this.starts = new Batcher((identities) => activeStaffSequences(sql, identities), {
      logger,
      what: 'session start',
      missing: null,
    });
    this.pages = new Batcher(
      async (requests) => {
        const pages = await replayDeliveryPages(sql, requests, { resendSeconds, nodeId, limit: REPLAY_PAGE });
        const snapshots = await alertSnapshots(sql, [...new Set(pages.flat().map((row) => row.alertId))]);
        return pages.map((page) => page.map((row) => ({ ...row, snapshot: snapshots.get(row.alertId) })));
      },
      // At most PAGE_BATCH × REPLAY_PAGE rows in one batch: the connections in it hold their live frames meanwhile.
      { logger, what: 'replay page', missing: [], maxBatch: PAGE_BATCH },
    );
  }

  /** The staff member's last delivery sequence, or null when they may no longer connect (inactive, moved). */
  start(identity: StaffIdentity): Promise<number | null> {
    return this.starts.add(identity);
  }

  /** The next page of a replay: deliveries after `afterSeq` in sequence order, at most REPLAY_PAGE. */
  page(request: ReplayPageRequest): Promise<ReplayedFrame[]> {
    return this.pages.add(request);
  }
}
