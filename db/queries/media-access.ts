import type postgres from 'postgres';
import type { Actor } from '../actor';
import type { AlertMediaKind, AlertMediaState } from '../schema/alert-media';

/** One media row of an alert, as a caller allowed to see it gets it. */
export interface ViewableMedia {
  id: string;
  orgId: string;
  alertId: string;
  cameraId: string;
  cameraName: string;
  kind: AlertMediaKind;
  state: AlertMediaState;
  storageKey: string | null;
  contentType: string | null;
  bytes: number | null;
  capturedFrom: Date | null;
  capturedUntil: Date | null;
  requestedAt: Date;
  storedAt: Date | null;
  error: string | null;
}

/** Why the caller may see the alert's media (recorded in the audit row): the same bases as live viewing. */
export type MediaAccessBasis = 'manager' | 'open-alert' | 'standing-grant';

export type MediaAccessDenied = 'not-found' | 'resident-discharged' | 'no-reason-to-view';

export type MediaAccess =
  | {
      ok: true;
      alert: { id: string; orgId: string; residentId: string };
      basis: MediaAccessBasis;
      /** The alert's media whose camera has event-media consent now, oldest request first. */
      media: ViewableMedia[];
      /** Rows of the alert held back because their camera has no event-media consent (now) or is gone. */
      withheld: { cameraId: string | null; kind: AlertMediaKind }[];
    }
  /** `alertExists`: the alert is in the database (of any organisation), so the refusal is worth an audit row. */
  | { ok: false; reason: MediaAccessDenied; alertExists: boolean };

/**
 * The one rule for who may see an alert's snapshots and clips (the camera access rule, `checkCameraAccess`, applied
 * to evidence instead of a live feed):
 * 1. The alert must belong to the caller's organisation, the caller must still be active staff of it and be able to
 *    read its resident (managers/admins every resident, caregivers only assigned ones, by the role the caller has
 *    now in `staff`, not the one in their token); otherwise "not found".
 * 2. The resident must be active: a discharged resident's media is gone (discharge deletes it) and stays unseen.
 * 3. Managers and admins may then view. A caregiver needs a reason: an open or acknowledged alert of the resident,
 *    or a standing grant (`camera_access_grants`, not revoked, not expired).
 * 4. Per camera: only media of cameras that have event-media consent now is shown (`media`); a row whose camera
 *    lost consent or was deleted is withheld from everyone, admins included.
 * Callers answer every refusal, and a row they do not get, as 404, so nothing tells about other organisations.
 */
export async function checkMediaAccess(
  sql: postgres.Sql,
  identity: Pick<Actor, 'staffId' | 'orgId'>,
  alertId: string,
): Promise<MediaAccess> {
  const [row] = await sql<
    {
      id: string;
      orgId: string;
      residentId: string;
      staffActive: boolean;
      staffRole: Actor['role'] | null;
      residentActive: boolean;
      assigned: boolean;
      openAlert: boolean;
      grant: boolean;
    }[]
  >`
    select al.id, al.org_id as "orgId", al.resident_id as "residentId",
           coalesce(s.active, false) as "staffActive", s.role as "staffRole",
           coalesce(res.status = 'active', false) as "residentActive",
           exists (select 1 from assignments a
                    where a.resident_id = al.resident_id and a.staff_id = ${identity.staffId}) as assigned,
           exists (select 1 from alerts o
                    where o.resident_id = al.resident_id and o.status in ('open', 'acknowledged')) as "openAlert",
           exists (select 1 from camera_access_grants g
                    where g.resident_id = al.resident_id and g.staff_id = ${identity.staffId}
                      and g.org_id = al.org_id and g.revoked_at is null
                      and (g.expires_at is null or g.expires_at > now())) as "grant"
      from alerts al
      left join staff s on s.id = ${identity.staffId} and s.org_id = al.org_id
      left join residents res on res.id = al.resident_id
     where al.id = ${alertId}`;
  if (!row) return { ok: false, reason: 'not-found', alertExists: false };
  const isManager = row.staffRole === 'admin' || row.staffRole === 'manager';
  if (row.orgId !== identity.orgId || !row.staffActive || (!isManager && !row.assigned)) {
    return { ok: false, reason: 'not-found', alertExists: true };
  }
  if (!row.residentActive) return { ok: false, reason: 'resident-discharged', alertExists: true };
  const basis = isManager ? 'manager' : row.openAlert ? 'open-alert' : row.grant ? 'standing-grant' : null;
  if (!basis) return { ok: false, reason: 'no-reason-to-view', alertExists: true };
  const rows = await sql<(ViewableMedia & { consented: boolean })[]>`
    select m.id, m.org_id as "orgId", m.alert_id as "alertId", m.camera_id as "cameraId",
           coalesce(c.name, '') as "cameraName", m.kind, m.state, m.storage_key as "storageKey",
           m.content_type as "contentType", m.bytes, m.captured_from as "capturedFrom",
           m.captured_until as "capturedUntil", m.requested_at as "requestedAt", m.stored_at as "storedAt", m.error,
           coalesce(c.event_media_consent_given_by is not null and c.event_media_consent_recorded_at is not null,
                    false) as consented
      from alert_media m
      left join cameras c on c.id = m.camera_id and c.org_id = m.org_id
     where m.alert_id = ${row.id} and m.org_id = ${row.orgId}
     order by m.requested_at, m.id`;
  const media = rows.filter((media) => media.consented).map(({ consented: _, ...media }) => media);
  const withheld = rows.filter((media) => !media.consented).map(({ cameraId, kind }) => ({ cameraId, kind }));
  return { ok: true, alert: { id: row.id, orgId: row.orgId, residentId: row.residentId }, basis, media, withheld };
}
