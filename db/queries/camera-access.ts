import type postgres from 'postgres';
import type { Actor } from '../actor';
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

export type CameraAccessDenied = 'not-found' | 'resident-discharged' | 'no-consent' | 'disabled' | 'no-reason-to-watch';

export type CameraAccess = { ok: true; camera: WatchableCamera } | { ok: false; reason: CameraAccessDenied };

/**
 * One (caller, camera) pair to decide. Only who the caller is comes from the token: their role and active flag are
 * read from `staff` (a demoted manager loses manager-level access at the next check); `expiresAt` is checked by
 * callers.
 */
export interface CameraAccessRequest {
  identity: Pick<Actor, 'staffId' | 'orgId'>;
  cameraId: string;
}

/**
 * The one rule for who may watch a camera:
 * 1. The camera must belong to the caller's organisation, the caller must still be active staff of it and be able
 *    to read its resident (`canReadResident`: managers/admins every resident, caregivers only assigned ones, by
 *    the role the caller has now in `staff`, not the one in their token); otherwise "not found".
 * 2. The resident must be active: a discharged resident's cameras do not stream.
 * 3. Consent must be recorded on the camera: no consent, no stream, whatever the role.
 * 4. The camera must be enabled.
 * 5. Managers and admins may then watch. A caregiver needs a reason: an open or acknowledged alert of the
 *    resident, or a standing grant from an admin (`camera_access_grants`, not revoked, not expired).
 * Used when a view starts and, for running views, again every few seconds (`checkCameraAccessMany`).
 */
export async function checkCameraAccess(
  sql: postgres.Sql,
  identity: CameraAccessRequest['identity'],
  cameraId: string,
): Promise<CameraAccess> {
  const [access] = await checkCameraAccessMany(sql, [{ identity, cameraId }]);
  return access ?? { ok: false, reason: 'not-found' };
}

/** The same rule for many pairs in one query; answers in the order of `requests`. */
export async function checkCameraAccessMany(
  sql: postgres.Sql,
  requests: readonly CameraAccessRequest[],
): Promise<CameraAccess[]> {
  if (requests.length === 0) return [];
  const rows = await sql<
    {
      n: string;
      id: string | null;
      orgId: string;
      residentId: string;
      name: string;
      source: CameraSource;
      enabled: boolean;
      consented: boolean;
      staffActive: boolean;
      staffRole: Actor['role'] | null;
      residentActive: boolean;
      assigned: boolean;
      openAlert: boolean;
      grant: boolean;
    }[]
  >`
    select r.n, c.id, c.org_id as "orgId", c.resident_id as "residentId", c.name, c.source, c.enabled,
           (c.consent_given_by is not null and c.consent_recorded_at is not null) as consented,
           coalesce(s.active, false) as "staffActive", s.role as "staffRole",
           coalesce(res.status = 'active', false) as "residentActive",
           exists (select 1 from assignments a
                    where a.resident_id = c.resident_id and a.staff_id = r.staff_id) as assigned,
           exists (select 1 from alerts al
                    where al.resident_id = c.resident_id and al.status in ('open', 'acknowledged')) as "openAlert",
           exists (select 1 from camera_access_grants g
                    where g.resident_id = c.resident_id and g.staff_id = r.staff_id
                      and g.org_id = c.org_id and g.revoked_at is null
                      and (g.expires_at is null or g.expires_at > now())) as "grant"
      from unnest(${requests.map((request) => request.identity.staffId)}::uuid[],
                  ${requests.map((request) => request.identity.orgId)}::uuid[],
                  ${requests.map((request) => request.cameraId)}::uuid[]) with ordinality as r(staff_id, org_id, camera_id, n)
      left join cameras c on c.id = r.camera_id and c.org_id = r.org_id
      left join staff s on s.id = r.staff_id and s.org_id = c.org_id
      left join residents res on res.id = c.resident_id`;
  const byIndex = new Map(rows.map((row) => [Number(row.n) - 1, row]));
  return requests.map((_, index): CameraAccess => {
    const row = byIndex.get(index);
    const isManager = row?.staffRole === 'admin' || row?.staffRole === 'manager';
    if (!row?.id || !row.staffActive || (!isManager && !row.assigned)) return { ok: false, reason: 'not-found' };
    if (!row.residentActive) return { ok: false, reason: 'resident-discharged' };
    if (!row.consented) return { ok: false, reason: 'no-consent' };
    if (!row.enabled) return { ok: false, reason: 'disabled' };
    const basis = isManager ? 'manager' : row.openAlert ? 'open-alert' : row.grant ? 'standing-grant' : null;
    if (!basis) return { ok: false, reason: 'no-reason-to-watch' };
    const { orgId, residentId, name, source } = row;
    return { ok: true, camera: { id: row.id, orgId, residentId, name, source, basis } };
  });
}
