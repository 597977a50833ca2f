import { replayDeliveries } from '../db/alerts/outstanding';
import { alertSnapshots } from '../db/alerts/snapshot';
import type { Sql } from '../db/client';
import { encodeAlertFrame } from './frames';
import type { SendQueue } from './send-queue';

const PAGE = 500;

/**
 * Replays every delivery of one staff member after `afterSeq` onto a connection's queue, in sequence order (pages
 * of 500), at the client's pace: it waits for the queue to be writable before each frame, so a replay of thousands
 * never overflows it. Each replayed id is added to `replayed` as it goes (the live frames held meanwhile skip
 * those, even if the replay fails half-way). The queue must be holding (see SendQueue.hold).
 */
export async function replayAfter(
  sql: Sql,
  queue: SendQueue,
  input: { staffId: string; afterSeq: number; resendSeconds: number; nodeId: string },
  replayed: Set<string>,
): Promise<void> {
  let after = input.afterSeq;
  for (;;) {
    const page = await replayDeliveries(sql, { ...input, afterSeq: after, limit: PAGE });
    const snapshots = await alertSnapshots(
      sql,
      page.map((row) => row.alertId),
    );
    for (const row of page) {
      const snapshot = snapshots.get(row.alertId);
      if (!snapshot || queue.closed) continue;
      replayed.add(row.id);
      if (!queue.writable) await queue.whenWritable();
      if (queue.closed) break;
      const frame = encodeAlertFrame(row.id, row.seq, JSON.stringify(snapshot));
      // Outstanding ones go through the dedup (no repeat of a frame just sent here); the rest are history.
      queue.reply(frame, true, row.state === 'sent' ? row.id : undefined);
    }
    const last = page.at(-1);
    if (queue.closed || !last || page.length < PAGE) return;
    after = last.seq;
  }
}
