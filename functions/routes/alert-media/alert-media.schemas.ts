import * as v from 'valibot';
import { alertMediaKind, alertMediaState } from '../../../db/schema';
import { Timestamp, Uuid } from '../../lib/schemas';

export const MediaQuery = v.object({
  cameraId: v.optional(
    v.pipe(Uuid, v.description("One camera's media; without it the alert's latest stored one of any camera")),
  ),
});

/** One snapshot or clip of an alert, in whatever state its capture is. */
export const MediaItem = v.pipe(
  v.object({
    id: Uuid,
    alertId: Uuid,
    cameraId: Uuid,
    cameraName: v.string(),
    kind: v.picklist(alertMediaKind.enumValues),
    state: v.pipe(
      v.picklist(alertMediaState.enumValues),
      v.description('`capturing` (the node is on it), `stored` (viewable) or `failed` (`error` says why)'),
    ),
    contentType: v.nullable(v.string()),
    bytes: v.nullable(v.number()),
    capturedFrom: v.nullable(Timestamp),
    capturedUntil: v.nullable(Timestamp),
    requestedAt: Timestamp,
    storedAt: v.nullable(Timestamp),
    error: v.nullable(v.string()),
  }),
  v.metadata({ ref: 'AlertMedia' }),
);

export const MediaList = v.pipe(
  v.object({ items: v.array(MediaItem) }),
  v.metadata({ ref: 'AlertMediaList', description: "The alert's media the caller may see, oldest request first" }),
);
