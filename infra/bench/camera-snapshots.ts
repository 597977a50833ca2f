import { raiseAlert } from '../../db/alerts/raise-alert';
import type { Sql } from '../../db/client';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface SnapshotLatency {
  /** Alert committed → its snapshot row `stored`, per alert, in ms. */
  samples: number[];
  failed: { alertId: string; error: string | null }[];
}

/**
 * Raises `count` SOS alerts for the camera's resident, one every `everyMs`, each resolved once its snapshot is in,
 * and measures, per alert, from the commit of the alert's transaction to the commit of its stored snapshot row: the
 * wake-up, the claim, ffmpeg decoding the cached GOP, the write to the media store and the row update. Both ends are
 * read on the database's clock (`clock_timestamp()` after the alert's commit, `stored_at`), so the bench process's
 * polling adds nothing.
 */
export async function measureSnapshotLatency(
  sql: Sql,
  camera: { orgId: string; residentId: string },
  count: number,
  everyMs: number,
): Promise<SnapshotLatency> {
  const samples: number[] = [];
  const failed: SnapshotLatency['failed'] = [];
  for (let index = 0; index < count; index++) {
    const started = Date.now();
    const { alertId } = await sql.begin((tx) =>
      raiseAlert(tx, {
        orgId: camera.orgId,
        residentId: camera.residentId,
        kind: 'sos',
        severity: 'critical',
        dedupKey: `${camera.residentId}:sos`,
        title: 'SOS (camera bench)',
      }),
    );
    const [committed] = await sql<{ at: Date }[]>`select clock_timestamp() as at`;
    const deadline = Date.now() + 10_000;
    for (;;) {
      const [row] = await sql<{ state: string; storedAt: Date | null; error: string | null }[]>`
        select state, stored_at as "storedAt", error from alert_media where alert_id = ${alertId} and kind = 'snapshot'`;
      if (row?.state === 'stored' && row.storedAt && committed) {
        samples.push(row.storedAt.getTime() - committed.at.getTime());
        break;
      }
      if (row?.state === 'failed' || Date.now() > deadline) {
        failed.push({ alertId, error: row?.error ?? 'no snapshot within 10 s' });
        break;
      }
      await sleep(20);
    }
    await sql`update alerts set status = 'resolved', resolved_at = now() where id = ${alertId}`;
    await sleep(Math.max(0, everyMs - (Date.now() - started)));
  }
  return { samples, failed };
}
