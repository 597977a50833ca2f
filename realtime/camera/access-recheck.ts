import type { Logger } from '../../core/logger';
import type { Sql } from '../../db/client';
import { type CameraAccessDenied, checkCameraAccessMany } from '../../db/queries/camera-access';
import { CameraError, errorFrame } from './camera-errors';
import { deniedError } from './view-access';
import type { ViewSession, ViewSessions } from './view-sessions';

/** Why a running view's access ended: its token expired, or the access rule now refuses it. */
export type AccessEnded = CameraAccessDenied | 'token-expired';

/** A running view of this process whose access ended. */
export interface RevokedView {
  sessionId: string;
  why: AccessEnded;
}

/** Why a running view was ended by the access re-check: the `camera.state` reason and the audit stop reason. */
const accessEndedReason: Record<AccessEnded, string> = {
  'token-expired': 'access ended: access token expired',
  'not-found': 'access ended: camera or resident no longer readable',
  'resident-discharged': 'access ended: resident discharged',
  'no-consent': 'access ended: consent withdrawn',
  disabled: 'access ended: camera disabled',
  'no-reason-to-watch': 'access ended: no open alert or standing grant',
};

/**
 * Access is not only checked when a view starts: running views are checked again (token expiry, then the same
 * access rule in one query), and a view whose access ended is stopped — the alert that justified a caregiver's
 * view resolved with no other open alert or grant left, consent withdrawn, camera disabled or removed, resident
 * discharged, assignment or staff account gone. The WebSocket viewer gets an `error` frame with the refusal's code
 * and `camera.state` `ended` with the reason; a WHEP session's peer is closed.
 * `findRevoked` + `endViews` are the two halves (the realtime node's `camera-access-recheck` job and its outcome,
 * `realtime/jobs.ts`); `recheck` runs both.
 */
export class AccessRecheck {
  private running: Promise<number> | null = null;

  constructor(
    private readonly sessions: ViewSessions,
    private readonly sql: Sql,
    private readonly logger: Logger,
  ) {}

  /**
   * The running views whose access has ended at `now`. Never rejects: if the database cannot answer, only the
   * expired tokens are reported and the other views continue (an emergency view is not cut by a database blip).
   */
  async findRevoked(sql: Sql, now: Date): Promise<RevokedView[]> {
    const revoked: RevokedView[] = [];
    const toCheck: ViewSession[] = [];
    for (const session of this.sessions.all()) {
      if (session.identity.expiresAt * 1000 > now.getTime()) toCheck.push(session);
      else revoked.push({ sessionId: session.id, why: 'token-expired' });
    }
    if (toCheck.length === 0) return revoked;
    try {
      const results = await checkCameraAccessMany(
        sql,
        toCheck.map((session) => ({ identity: session.identity, cameraId: session.camera.id })),
      );
      results.forEach((access, index) => {
        const session = toCheck[index];
        if (session && !access.ok) revoked.push({ sessionId: session.id, why: access.reason });
      });
    } catch (error) {
      this.logger.warn('camera access re-check failed; running views continue', { error: (error as Error).message });
    }
    return revoked;
  }

  /** Ends the given views that still run; resolves with how many it ended. */
  endViews(revoked: readonly RevokedView[]): number {
    let ended = 0;
    for (const { sessionId, why } of revoked) {
      const session = this.sessions.get(sessionId);
      if (!session || session.closed) continue;
      const error = new CameraError(why === 'token-expired' ? 'CAMERA_ACCESS_EXPIRED' : deniedError[why]);
      if (session.transport === 'websocket') session.send(errorFrame(error, session.id));
      this.logger.info('camera view ended: access ended', {
        sessionId: session.id,
        cameraId: session.camera.id,
        staffId: session.identity.staffId,
        why,
      });
      this.sessions.close(session, accessEndedReason[why], true, { endedBy: 'access-check', access: why });
      ended++;
    }
    return ended;
  }

  /**
   * Checks every running view now and ends those whose access ended; resolves with how many it ended, never
   * rejects. A call waits for a running check and then checks afresh, so it sees every change made before it.
   */
  async recheck(): Promise<number> {
    while (this.running) await this.running;
    const run = this.findRevoked(this.sql, new Date())
      .then((revoked) => this.endViews(revoked))
      .catch((error: Error) => {
        this.logger.warn('camera access re-check failed; running views continue', { error: error.message });
        return 0;
      });
    this.running = run;
    try {
      return await run;
    } finally {
      if (this.running === run) this.running = null;
    }
  }
}
