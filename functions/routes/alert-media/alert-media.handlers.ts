import type { StaffIdentity } from '../../../core/auth/access-token';
import type { StoredObject } from '../../../core/media/media-store';
import { mediaContentTypes } from '../../../db/media-keys';
import { checkMediaAccess, type ViewableMedia } from '../../../db/queries/media-access';
import type { AlertMediaKind } from '../../../db/schema';
import { auditStaffAction } from '../../lib/audit';
import type { AppContext } from '../../lib/context';
import { handle } from '../../lib/handlers';
import type { Assert, Documents } from '../../lib/openapi';
import { ApiError } from '../../lib/problem';
import * as routes from './alert-media.routes';
import type { MediaItem } from './alert-media.schemas';
import { answerRange } from './byte-range';

const noMedia = () => new ApiError({ code: 'NOT_FOUND', detail: 'No such media for this alert' });

/** A refusal of an existing alert's media, in the caller's organisation's audit log (as a refused live view). */
async function auditDenied(
  c: AppContext,
  identity: StaffIdentity,
  alertId: string,
  details: { kind: AlertMediaKind | 'list'; reason: string; cameraId?: string },
) {
  await auditStaffAction(c.env.services.db, identity, {
    action: 'alert.media.denied',
    targetType: 'alert',
    targetId: alertId,
    ip: c.env.clientIp,
    details,
  });
}

/** The alert's media the caller may see, or 404 (with a denied row when the alert exists). */
async function viewableMedia(c: AppContext, alertId: string, kind: AlertMediaKind | 'list', cameraId?: string) {
  const identity = c.get('identity');
  const access = await checkMediaAccess(c.env.services.sql, identity, alertId);
  if (!access.ok) {
    if (access.alertExists) await auditDenied(c, identity, alertId, { kind, reason: access.reason, cameraId });
    throw noMedia();
  }
  return { identity, ...access };
}

const iso = (date: Date | null) => (date ? new Date(date).toISOString() : null);

function mediaJson(media: ViewableMedia) {
  return {
    id: media.id,
    alertId: media.alertId,
    cameraId: media.cameraId,
    cameraName: media.cameraName,
    kind: media.kind,
    state: media.state,
    contentType: media.contentType,
    bytes: media.bytes,
    capturedFrom: iso(media.capturedFrom),
    capturedUntil: iso(media.capturedUntil),
    requestedAt: new Date(media.requestedAt).toISOString(),
    storedAt: iso(media.storedAt),
    error: media.error,
  };
}

/** The list's documented item is what `mediaJson` answers: a drift fails to compile. */
export type MediaItemDocumented = Assert<Documents<typeof MediaItem, ReturnType<typeof mediaJson>>>;

export const list = handle(...routes.list, async (c) => {
  const { id } = c.req.valid('param');
  const access = await viewableMedia(c, id, 'list');
  if (access.media.length === 0 && access.withheld.length > 0) {
    // Media exists but no camera it came from has event-media consent now: refused for everyone, admins included.
    await auditDenied(c, access.identity, id, { kind: 'list', reason: 'no-consent' });
    throw noMedia();
  }
  return c.json({ items: access.media.map(mediaJson) }, 200);
});

/**
 * Serves one stored snapshot or clip: the latest stored one of the alert (of `cameraId` when given), with one byte
 * range when asked (RFC 9110 §14). The view row is written before any byte leaves, as for a live view.
 */
async function serve(c: AppContext, alertId: string, kind: AlertMediaKind, cameraId: string | undefined) {
  const store = c.env.services.media;
  if (!store) throw new ApiError({ code: 'UNAVAILABLE', detail: 'media storage is not configured for this runtime' });
  const access = await viewableMedia(c, alertId, kind, cameraId);
  const media = access.media
    .filter((row) => row.kind === kind && row.state === 'stored' && row.storageKey)
    .filter((row) => cameraId === undefined || row.cameraId === cameraId)
    .sort((a, b) => new Date(b.storedAt ?? 0).getTime() - new Date(a.storedAt ?? 0).getTime())[0];
  if (!media?.storageKey) {
    const withheld = access.withheld.some(
      (row) => row.kind === kind && (cameraId === undefined || row.cameraId === cameraId),
    );
    if (withheld) await auditDenied(c, access.identity, alertId, { kind, reason: 'no-consent', cameraId });
    throw noMedia();
  }
  const header = c.req.header('range');
  // The row records the size it stored; the store's own answer wins when they differ (read again with it).
  let size = media.bytes ?? 0;
  let answer = answerRange(header, size);
  let object = await readStored(c, media, answer.kind === 'partial' ? answer.range : undefined);
  if (object.size !== size) {
    await object.body.cancel();
    size = object.size;
    answer = answerRange(header, size);
    object = await readStored(c, media, answer.kind === 'partial' ? answer.range : undefined);
  }
  if (answer.kind === 'unsatisfiable') {
    await object.body.cancel();
    throw new ApiError({
      code: 'RANGE_NOT_SATISFIABLE',
      detail: `The range starts beyond the ${kind}'s ${size} bytes`,
      headers: { 'content-range': `bytes */${size}` },
    });
  }
  const range = answer.kind === 'partial' ? answer.range : null;
  const headers: Record<string, string> = {
    'content-type': media.contentType ?? mediaContentTypes[kind],
    'content-length': String(range ? range.end - range.start + 1 : size),
    'cache-control': 'private, no-store',
    'accept-ranges': 'bytes',
    ...(range ? { 'content-range': `bytes ${range.start}-${range.end}/${size}` } : {}),
  };
  if (c.req.method === 'HEAD') {
    await object.body.cancel();
    return c.body(null, range ? 206 : 200, headers);
  }
  try {
    await auditStaffAction(c.env.services.db, access.identity, {
      action: 'alert.media.view',
      targetType: 'alert',
      targetId: alertId,
      ip: c.env.clientIp,
      details: {
        mediaId: media.id,
        cameraId: media.cameraId,
        kind,
        basis: access.basis,
        range: range ? `bytes=${range.start}-${range.end}` : null,
      },
    });
  } catch (error) {
    await object.body.cancel();
    throw error;
  }
  return c.body(object.body, range ? 206 : 200, headers);
}

/** The stored bytes of a row, or 404 when the store has none (logged: a stored row should have its bytes). */
async function readStored(
  c: AppContext,
  media: ViewableMedia,
  range: { start: number; end: number } | undefined,
): Promise<StoredObject> {
  const key = media.storageKey ?? '';
  const object = await c.env.services.media?.get(key, range);
  if (!object) {
    c.env.services.logger.warn('stored media missing from the store', { mediaId: media.id, key });
    throw noMedia();
  }
  return object;
}

export const snapshot = handle(...routes.snapshot, async (c) => {
  return serve(c, c.req.valid('param').id, 'snapshot', c.req.valid('query').cameraId);
});

export const clip = handle(...routes.clip, async (c) => {
  return serve(c, c.req.valid('param').id, 'clip', c.req.valid('query').cameraId);
});
