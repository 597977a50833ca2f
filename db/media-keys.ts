import type { AlertMediaKind } from './schema/alert-media';

const extensions: Record<AlertMediaKind, string> = { snapshot: 'jpg', clip: 'mp4' };
export const mediaContentTypes: Record<AlertMediaKind, string> = { snapshot: 'image/jpeg', clip: 'video/mp4' };

/**
 * Where a media row's bytes go: fixed by the row's ids, so a capture that died half-way left its bytes (if any)
 * under a key the purge can still find from the row.
 */
export function mediaStorageKey(media: { orgId: string; alertId: string; id: string; kind: AlertMediaKind }): string {
  return `${media.orgId}/${media.alertId}/${media.id}.${extensions[media.kind]}`;
}
