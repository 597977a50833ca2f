import type { StaffIdentity } from '../../core/auth/access-token';
import type { Sql } from '../../db/client';
import type { WatchableCamera } from '../../db/queries/camera-access';

export type ViewTransport = 'websocket' | 'whep';

/** What the audit rows record of a view. */
export interface AuditedView {
  readonly id: string;
  readonly identity: StaffIdentity;
  readonly camera: Pick<WatchableCamera, 'id' | 'basis'>;
  readonly transport: ViewTransport;
  readonly startedAt: number;
  readonly connectedAt: number | null;
}

/**
 * Who watched which camera, when and for how long: one audit row when a view starts, one when it stops, one per
 * refusal. Rows go to the caller's organisation (a token for an organisation since deleted writes nothing).
 * The start row is the one a view depends on: `viewStarted` rejects when it is not written, so no video flows
 * without it; stop and refusal rows are written in the background and failures reported to `onError`.
 */
export class ViewAudit {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly sql: Sql,
    private readonly onError: (error: Error) => void,
  ) {}

  /** The start row, with why the viewer may watch (their role, an open alert or a standing grant). */
  viewStarted(view: AuditedView): Promise<void> {
    return this.write(view.identity, 'camera.view.start', view.camera.id, {
      sessionId: view.id,
      transport: view.transport,
      basis: view.camera.basis,
    });
  }

  /** The stop row: why it stopped, how long it ran and was watched; `details` add who ended it and why. */
  viewStopped(view: AuditedView, reason: string, details: Record<string, unknown>, now = Date.now()): void {
    this.write(view.identity, 'camera.view.stop', view.camera.id, {
      sessionId: view.id,
      transport: view.transport,
      reason,
      startedAt: new Date(view.startedAt).toISOString(),
      durationMs: now - view.startedAt,
      // > 0 exactly when the viewer was connected (video could flow), however short.
      watchedMs: view.connectedAt ? Math.max(1, now - view.connectedAt) : 0,
      ...details,
    });
  }

  denied(identity: StaffIdentity, cameraId: string, details: Record<string, unknown>): void {
    this.write(identity, 'camera.view.denied', cameraId, details);
  }

  /** Resolves when every row written so far is committed (tests, shutdown). */
  async flush(): Promise<void> {
    await Promise.all([...this.pending]);
  }

  /** Starts the insert; the returned promise rejects on failure, which is also reported to `onError`. */
  private write(
    identity: StaffIdentity,
    action: string,
    cameraId: string,
    details: Record<string, unknown>,
  ): Promise<void> {
    const written = this.sql`
      insert into audit_log (org_id, actor_type, actor_id, action, target_type, target_id, details)
      select o.id, 'staff', ${identity.staffId}, ${action}, 'camera', ${cameraId}, ${JSON.stringify(details)}::text::jsonb
        from organisations o where o.id = ${identity.orgId}`.then(() => undefined);
    const settled = written.catch((error: Error) => this.onError(error)).finally(() => this.pending.delete(settled));
    this.pending.add(settled);
    return written;
  }
}
