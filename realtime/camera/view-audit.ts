import type { StaffIdentity } from '../../core/auth/access-token';
import type { Sql } from '../../db/client';

export type ViewTransport = 'websocket' | 'whep';

/**
 * Who watched which camera, when and for how long: one audit row when a view starts, one when it stops, one per
 * refusal. Rows go to the caller's organisation (a token for an organisation since deleted writes nothing).
 * The start row is the one a view depends on: `started` rejects when it is not written, so no video flows
 * without it; stop and refusal rows are written in the background and failures reported to `onError`.
 */
export class ViewAudit {
  private readonly pending = new Set<Promise<void>>();

  constructor(
    private readonly sql: Sql,
    private readonly onError: (error: Error) => void,
  ) {}

  started(identity: StaffIdentity, cameraId: string, details: Record<string, unknown>): Promise<void> {
    return this.write(identity, 'camera.view.start', cameraId, details);
  }

  stopped(identity: StaffIdentity, cameraId: string, details: Record<string, unknown>): void {
    this.write(identity, 'camera.view.stop', cameraId, details);
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
