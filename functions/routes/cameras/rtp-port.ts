import { sql } from 'drizzle-orm';
import type { DatabaseTransaction } from '../../../db/client';
import type { CameraSource } from '../../../db/schema';
import { ApiError } from '../../lib/problem';

/**
 * RTP ports belong to the realtime node, whatever organisation configured them: two cameras on one port must each
 * have their own SSRC, or the node cannot tell their packets apart and the second feed never opens. Checked inside
 * the write's transaction under a per-port advisory lock, so two concurrent writes cannot both take the same port.
 */
export async function assertRtpPortFree(
  tx: DatabaseTransaction,
  source: CameraSource | undefined,
  cameraId?: string,
): Promise<void> {
  if (source?.type !== 'rtp') return;
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext('carewatch.rtp-port'), ${source.port})`);
  const taken = await tx.execute(sql`
    select 1 from cameras
     where source->>'type' = 'rtp' and (source->>'port')::int = ${source.port}
       and id is distinct from ${cameraId ?? null}::uuid
       and (${source.ssrc ?? null}::bigint is null or source->>'ssrc' is null
            or (source->>'ssrc')::bigint = ${source.ssrc ?? null}::bigint)
     limit 1`);
  if (taken.length > 0) {
    throw new ApiError({
      code: 'CONFLICT',
      detail:
        source.ssrc === undefined
          ? `RTP port ${source.port} is already used by another camera; give each camera on it its own ssrc`
          : `RTP port ${source.port} already has a camera with ssrc ${source.ssrc}, or one without an ssrc`,
    });
  }
}
