import type postgres from 'postgres';
import { defaultOrganisationSettings } from '../defaults';
import { mediaStorageKey } from '../media-keys';
import { usableSetting } from '../organisation-settings';
import type { AlertMediaKind } from '../schema/alert-media';
import type { AlertKind, AlertSeverity } from '../schema/alerts';

const severityRank: Record<AlertSeverity, number> = { low: 0, medium: 1, high: 2, critical: 3 };

export interface AlertForMedia {
  id: string;
  orgId: string;
  residentId: string;
  kind: AlertKind;
  severity: AlertSeverity;
  /** The organisation's `eventMediaKinds` as stored (checked by `wantsEventMedia`). */
  eventMediaKinds: unknown;
}

/** Whether an alert of this kind and severity captures event media under the organisation's setting. */
export function wantsEventMedia(alert: Pick<AlertForMedia, 'kind' | 'severity' | 'eventMediaKinds'>): boolean {
  const kinds = usableSetting('eventMediaKinds', alert.eventMediaKinds) ?? defaultOrganisationSettings.eventMediaKinds;
  const lowest = kinds[alert.kind] as AlertSeverity | undefined;
  return lowest !== undefined && severityRank[alert.severity] >= severityRank[lowest];
}

/** The unresolved alert with what decides its media; null when it is resolved or gone. */
export async function alertForMedia(sql: postgres.Sql, alertId: string): Promise<AlertForMedia | null> {
  const [row] = await sql<AlertForMedia[]>`
    select a.id, a.org_id as "orgId", a.resident_id as "residentId", a.kind, a.severity,
           o.settings -> 'eventMediaKinds' as "eventMediaKinds"
      from alerts a join organisations o on o.id = a.org_id
     where a.id = ${alertId} and a.status <> 'resolved'`;
  return row ?? null;
}

export interface ClaimedCapture {
  id: string;
  orgId: string;
  alertId: string;
  cameraId: string;
  kind: AlertMediaKind;
  /** Where its bytes go (`mediaStorageKey`), recorded on the row from the claim on. */
  storageKey: string;
}

/**
 * Claims the captures of `kinds` for the alert on those of `cameraIds` that are its resident's and have event-media
 * consent now, for a resident still active: one row each, `capturing`, owned by `nodeId`, with the key its bytes
 * will have set at once — so deleting the row in any state (erase, discharge, withdrawal, retention) queues those
 * bytes for purge, even if they are written after. A capture already claimed (by this node on an earlier wake-up,
 * or by another node) is not claimed again: only what this call inserted comes back.
 */
export async function claimCaptures(
  sql: postgres.Sql,
  alert: Pick<AlertForMedia, 'id' | 'orgId' | 'residentId'>,
  cameraIds: readonly string[],
  kinds: readonly AlertMediaKind[],
  nodeId: string,
): Promise<ClaimedCapture[]> {
  if (cameraIds.length === 0 || kinds.length === 0) return [];
  return sql.begin(async (tx) => {
    const claimed = await tx<Omit<ClaimedCapture, 'storageKey'>[]>`
      insert into alert_media (org_id, alert_id, resident_id, camera_id, kind, node_id)
      select c.org_id, ${alert.id}, c.resident_id, c.id, k.kind::alert_media_kind, ${nodeId}
        from cameras c join residents r on r.id = c.resident_id and r.status = 'active'
             cross join unnest(${kinds as string[]}::text[]) as k(kind)
       where c.id = any(${cameraIds as string[]}::uuid[]) and c.resident_id = ${alert.residentId}
         and c.org_id = ${alert.orgId}
         and c.event_media_consent_given_by is not null and c.event_media_consent_recorded_at is not null
      on conflict (alert_id, camera_id, kind) do nothing
      returning id, org_id as "orgId", alert_id as "alertId", camera_id as "cameraId", kind`;
    if (claimed.length === 0) return [];
    const withKeys = claimed.map((capture) => ({ ...capture, storageKey: mediaStorageKey(capture) }));
    await tx`
      update alert_media m set storage_key = k.key
        from unnest(${withKeys.map((capture) => capture.id)}::uuid[],
                    ${withKeys.map((capture) => capture.storageKey)}::text[]) as k(id, key)
       where m.id = k.id`;
    return withKeys;
  });
}

/** Queues bytes written for a row that went meanwhile: the purge job deletes them. */
export async function queueMediaPurge(sql: postgres.Sql, storageKey: string): Promise<void> {
  await sql`insert into media_purge_queue (storage_key) values (${storageKey}) on conflict (storage_key) do nothing`;
}

/**
 * Records a capture's bytes as stored. False when its row is gone or no longer `capturing` (the resident was
 * erased or discharged, consent withdrawn, or the capture given up meanwhile): the caller deletes the bytes.
 */
export async function recordCaptureStored(
  sql: postgres.Sql,
  id: string,
  stored: { contentType: string; bytes: number; capturedFrom: Date; capturedUntil: Date },
): Promise<boolean> {
  const rows = await sql`
    update alert_media
       set state = 'stored', content_type = ${stored.contentType},
           bytes = ${stored.bytes}, captured_from = ${stored.capturedFrom}, captured_until = ${stored.capturedUntil},
           stored_at = now(), error = null
     where id = ${id} and state = 'capturing'
    returning id`;
  return rows.length > 0;
}

export async function recordCaptureFailed(sql: postgres.Sql, id: string, error: string): Promise<void> {
  await sql`
    update alert_media set state = 'failed', error = ${error.slice(0, 500)}
     where id = ${id} and state = 'capturing'`;
}

/**
 * Unresolved alerts of these residents changed in the last `withinSeconds` that have no media row for one of
 * `cameraIds`: what a lost wake-up would have missed (the realtime node's sweep considers them again).
 */
export async function alertsMissingCaptures(
  sql: postgres.Sql,
  residentIds: readonly string[],
  cameraIds: readonly string[],
  withinSeconds: number,
): Promise<string[]> {
  if (residentIds.length === 0 || cameraIds.length === 0) return [];
  // Only kinds the organisation captures at all (severity is judged by `wantsEventMedia`): a low-battery alert is
  // not read again on every sweep.
  const rows = await sql<{ id: string }[]>`
    select a.id from alerts a
      join cameras c on c.resident_id = a.resident_id and c.id = any(${cameraIds as string[]}::uuid[])
      join organisations o on o.id = a.org_id
     where a.resident_id = any(${residentIds as string[]}::uuid[]) and a.status <> 'resolved'
       and a.updated_at > now() - ${withinSeconds} * interval '1 second'
       and (case when jsonb_typeof(o.settings -> 'eventMediaKinds') = 'object' then o.settings -> 'eventMediaKinds'
                 else ${sql.json(defaultOrganisationSettings.eventMediaKinds)}::jsonb end) ? a.kind::text
       and not exists (select 1 from alert_media m where m.alert_id = a.id and m.camera_id = c.id)
     group by a.id`;
  return rows.map((row) => row.id);
}
