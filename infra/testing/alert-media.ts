import { execFileSync } from 'node:child_process';
import type { MediaStore } from '../../core/media/media-store';
import type { Sql } from '../../db/client';
import { mediaContentTypes, mediaStorageKey } from '../../db/media-keys';
import type { AlertMediaKind, AlertMediaState } from '../../db/schema';

/**
 * Test fixtures for event media: alerts and media rows written by hand, as the realtime node's capture would leave
 * them (the capture itself is the node's to test). Alerts written this way have no deliveries: a file using them
 * skips the alert audit (`skipAlertAudit`).
 */

/** An open alert of the resident, written directly (no ladder, no deliveries). */
export async function insertAlert(
  sql: Sql,
  alert: { orgId: string; residentId: string; kind?: string; status?: 'open' | 'acknowledged' | 'resolved' },
): Promise<string> {
  const kind = alert.kind ?? 'fall';
  const status = alert.status ?? 'open';
  const [row] = await sql<{ id: string }[]>`
    insert into alerts (org_id, resident_id, kind, severity, dedup_key, title, status, resolved_at)
    values (${alert.orgId}, ${alert.residentId}, ${kind}, 'critical', ${`${alert.residentId}:${kind}:${crypto.randomUUID()}`},
            ${kind}, ${status}, ${status === 'resolved' ? new Date() : null})
    returning id`;
  if (!row) throw new Error('alert insert returned nothing');
  return row.id;
}

/** Records event-media consent on a camera, as the camera API does. */
export async function giveEventMediaConsent(sql: Sql, cameraId: string, recordedBy: string | null = null) {
  await sql`
    update cameras set event_media_consent_given_by = 'the resident', event_media_consent_recorded_by = ${recordedBy},
                       event_media_consent_recorded_at = now()
     where id = ${cameraId}`;
}

export interface MediaFixture {
  orgId: string;
  alertId: string;
  residentId: string;
  cameraId: string | null;
  kind: AlertMediaKind;
  state?: AlertMediaState;
  storageKey?: string | null;
  bytes?: number | null;
  error?: string | null;
  requestedAt?: Date;
}

/** One alert_media row; `stored` rows get their content type, size and times. Returns the row id. */
export async function insertMedia(sql: Sql, media: MediaFixture): Promise<string> {
  const state = media.state ?? 'stored';
  const stored = state === 'stored';
  const [row] = await sql<{ id: string }[]>`
    insert into alert_media (org_id, alert_id, resident_id, camera_id, kind, state, node_id, storage_key,
                             content_type, bytes, captured_from, captured_until, error, requested_at, stored_at)
    values (${media.orgId}, ${media.alertId}, ${media.residentId}, ${media.cameraId}, ${media.kind}, ${state},
            'test-node', ${media.storageKey ?? null},
            ${stored ? (media.kind === 'snapshot' ? 'image/jpeg' : 'video/mp4') : null}, ${media.bytes ?? null},
            ${stored ? new Date() : null}, ${stored ? new Date() : null}, ${media.error ?? null},
            ${media.requestedAt ?? new Date()}, ${stored ? new Date() : null})
    returning id`;
  if (!row) throw new Error('media insert returned nothing');
  return row.id;
}

/** Sets a row's storage key (once its id, and so its `mediaStorageKey`, is known). */
export async function setStorageKey(sql: Sql, id: string, storageKey: string, bytes: number) {
  await sql`update alert_media set storage_key = ${storageKey}, bytes = ${bytes} where id = ${id}`;
}

/** A real JPEG (ffmpeg's test pattern), as a camera snapshot would be. */
export function testJpeg(): Uint8Array<ArrayBuffer> {
  const bytes = execFileSync('ffmpeg', [
    '-loglevel',
    'error',
    '-f',
    'lavfi',
    '-i',
    'testsrc=size=320x240',
    '-frames:v',
    '1',
    '-f',
    'image2',
    '-',
  ]);
  return new Uint8Array(bytes);
}

/**
 * A stored snapshot or clip as a finished capture leaves it: the row, its bytes in `store` under its
 * `mediaStorageKey`, and the row marked stored with the size and times. Returns the row id and key.
 */
export async function storeMedia(
  sql: Sql,
  store: MediaStore,
  media: Omit<MediaFixture, 'state' | 'storageKey' | 'bytes' | 'error'>,
  bytes: Uint8Array<ArrayBuffer>,
): Promise<{ id: string; key: string }> {
  const id = await insertMedia(sql, { ...media, state: 'capturing' });
  const key = mediaStorageKey({ orgId: media.orgId, alertId: media.alertId, id, kind: media.kind });
  await store.put(key, bytes, mediaContentTypes[media.kind]);
  await sql`
    update alert_media set state = 'stored', storage_key = ${key}, content_type = ${mediaContentTypes[media.kind]},
                           bytes = ${bytes.byteLength}, captured_from = now() - interval '20 seconds',
                           captured_until = now(), stored_at = now()
     where id = ${id}`;
  return { id, key };
}
