import type postgres from 'postgres';
import type { StaffIdentity } from '../../functions/auth/access-token';
import type { CameraSource } from '../schema';

export interface WatchableCamera {
  id: string;
  orgId: string;
  residentId: string;
  name: string;
  source: CameraSource;
  /** Why the caller may watch: their role, an open alert, or a standing grant (recorded in the audit row). */
  basis: 'manager' | 'open-alert' | 'standing-grant';
}

export type CameraAccess =
  | { ok: true; camera: WatchableCamera }
  | { ok: false; reason: 'not-found' | 'no-consent' | 'disabled' | 'no-reason-to-watch' };

/**
 * The one rule for who may watch a camera (camera privacy in the brief):
 * 1. The camera must belong to the caller's organisation and the caller must be able to read its resident
 *    (`canReadResident`: managers/admins every resident, caregivers only assigned ones); otherwise "not found".
 * 2. Consent must be recorded on the camera: no consent, no stream, whatever the role.
 * 3. The camera must be enabled.
 * 4. Managers and admins may then watch. A caregiver needs a reason: an open or acknowledged alert of the
 *    resident, or a standing grant from an admin (`camera_access_grants`, not revoked, not expired).
 */
export async function checkCameraAccess(
  sql: postgres.Sql,
  identity: StaffIdentity,
  cameraId: string,
): Promise<CameraAccess> {
  const [row] = await sql<
    {
      id: string;
      orgId: string;
      residentId: string;
      name: string;
      source: CameraSource;
      enabled: boolean;
      consented: boolean;
      assigned: boolean;
      openAlert: boolean;
      grant: boolean;
    }[]
  >`
    select c.id, c.org_id as "orgId", c.resident_id as "residentId", c.name, c.source, c.enabled,
           (c.consent_given_by is not null and c.consent_recorded_at is not null) as consented,
           exists (select 1 from assignments a
                    where a.resident_id = c.resident_id and a.staff_id = ${identity.staffId}) as assigned,
           exists (select 1 from alerts al
                    where al.resident_id = c.resident_id and al.status in ('open', 'acknowledged')) as "openAlert",
           exists (select 1 from camera_access_grants g
                    where g.resident_id = c.resident_id and g.staff_id = ${identity.staffId}
                      and g.org_id = c.org_id and g.revoked_at is null
                      and (g.expires_at is null or g.expires_at > now())) as "grant"
      from cameras c
     where c.id = ${cameraId} and c.org_id = ${identity.orgId}`;
  const isManager = identity.role !== 'caregiver';
  if (!row || (!isManager && !row.assigned)) return { ok: false, reason: 'not-found' };
  if (!row.consented) return { ok: false, reason: 'no-consent' };
  if (!row.enabled) return { ok: false, reason: 'disabled' };
  const basis = isManager ? 'manager' : row.openAlert ? 'open-alert' : row.grant ? 'standing-grant' : null;
  if (!basis) return { ok: false, reason: 'no-reason-to-watch' };
  const { id, orgId, residentId, name, source } = row;
  return { ok: true, camera: { id, orgId, residentId, name, source, basis } };
}
