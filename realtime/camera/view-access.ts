import type { StaffIdentity } from '../../core/auth/access-token';
import type { Sql } from '../../db/client';
import { type CameraAccessDenied, checkCameraAccess, type WatchableCamera } from '../../db/queries/camera-access';
import { CameraError, type CameraErrorName } from './camera-errors';
import type { ViewAudit, ViewTransport } from './view-audit';

/** The error a refusal of the access rule is reported with, at the start of a view and when it is ended. */
export const deniedError: Record<CameraAccessDenied, CameraErrorName> = {
  'not-found': 'CAMERA_NOT_FOUND',
  'resident-discharged': 'CAMERA_RESIDENT_DISCHARGED',
  'no-consent': 'CAMERA_NO_CONSENT',
  disabled: 'CAMERA_DISABLED',
  'no-reason-to-watch': 'CAMERA_FORBIDDEN',
};

/** Who may start watching which camera (the rule itself is `checkCameraAccess`); every refusal is audited. */
export class ViewAccess {
  constructor(
    private readonly sql: Sql,
    private readonly audit: ViewAudit,
  ) {}

  /** The camera when `identity` may watch it now; otherwise the refusal is audited and thrown as a CameraError. */
  async authorize(identity: StaffIdentity, cameraId: string, transport: ViewTransport): Promise<WatchableCamera> {
    const access = await checkCameraAccess(this.sql, identity, cameraId);
    if (access.ok) return access.camera;
    // Refusals are audited too, "not found" included: an unassigned caregiver trying a camera is worth knowing.
    this.audit.denied(identity, cameraId, { reason: access.reason, transport });
    throw new CameraError(deniedError[access.reason]);
  }
}
