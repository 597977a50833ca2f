import { encodeAlertFrame } from './frames';
import type { SendQueue } from './send-queue';
import { REPLAY_PAGE, type SessionReads } from './session-reads';

/**
 * Replays every delivery of one staff member after `afterSeq` onto a connection's queue, in sequence order (pages
 * of REPLAY_PAGE), at the client's pace: it waits for the queue to be writable before each frame, so a replay of
 * thousands never overflows it. Each replayed id is added to `replayed` as it goes (the live frames held meanwhile
 * skip those, even if the replay fails half-way). The queue must be holding (see SendQueue.hold).
 */
export async function replayAfter(
  reads: SessionReads,
  queue: SendQueue,
  input: { staffId: string; afterSeq: number },
  replayed: Set<string>,
): Promise<void> {
  let after = input.afterSeq;
  for (;;) {
    const page = await reads.page({ staffId: input.staffId, afterSeq: after });
    for (const row of page) {
      if (!row.snapshot || queue.closed) continue;
      replayed.add(row.id);
      if (!queue.writable) await queue.whenWritable();
      if (queue.closed) break;
      const frame = encodeAlertFrame(row.id, row.seq, JSON.stringify(row.snapshot));
      // Outstanding ones go through the dedup (no repeat of a frame just sent here); the rest are history.
      queue.reply(frame, true, row.state === 'sent' ? row.id : undefined);
    }
    const last = page.at(-1);
    if (queue.closed || !last || page.length < REPLAY_PAGE) return;
    after = last.seq;
  }
}
