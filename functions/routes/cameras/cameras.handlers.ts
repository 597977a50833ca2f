import { and, eq } from 'drizzle-orm';
import type { StaffIdentity } from '../../../core/auth/access-token';
import { alertMedia, cameras, residents } from '../../../db/schema';
import { auditStaffAction } from '../../lib/audit';
import type { AppContext } from '../../lib/context';
import { handle } from '../../lib/handlers';
import { equalWhereGiven } from '../../lib/list-filters';
import { withIsoDates } from '../../lib/org-references';
import { type Executor, orgScope } from '../../lib/org-scope';
import { mapPage } from '../../lib/pagination';
import { invalidateProfiles } from '../../lib/profile-cache';
import * as routes from './cameras.routes';
import { assertRtpPortFree } from './rtp-port';

const sortColumns = { name: cameras.name, createdAt: cameras.createdAt } as const;
const camerasOf = (c: AppContext, db?: Executor) => orgScope(c, db).table(cameras, 'camera');

/** Consent is recorded with who recorded it and when; withdrawing clears all three. */
function consentFields(identity: StaffIdentity, consentGivenBy: string | null) {
  return consentGivenBy
    ? { consentGivenBy, consentRecordedBy: identity.staffId, consentRecordedAt: new Date() }
    : { consentGivenBy: null, consentRecordedBy: null, consentRecordedAt: null };
}

/** Event-media consent is a separate purpose with its own record (who gave it, who recorded it, when). */
function eventMediaConsentFields(identity: StaffIdentity, givenBy: string | null) {
  return givenBy
    ? {
        eventMediaConsentGivenBy: givenBy,
        eventMediaConsentRecordedBy: identity.staffId,
        eventMediaConsentRecordedAt: new Date(),
      }
    : { eventMediaConsentGivenBy: null, eventMediaConsentRecordedBy: null, eventMediaConsentRecordedAt: null };
}

export const list = handle(...routes.list, async (c) => {
  const query = c.req.valid('query');
  const filters = equalWhereGiven(query, { residentId: cameras.residentId });
  const page = await camerasOf(c).page(query, sortColumns[query.sort], filters);
  return c.json(mapPage(page, withIsoDates), 200);
});

export const get = handle(...routes.get, async (c) => {
  return c.json(withIsoDates(await camerasOf(c).get(c.req.valid('param').id)), 200);
});

export const create = handle(...routes.create, async (c) => {
  const { consentGivenBy, eventMediaConsentGivenBy, ...body } = c.req.valid('json');
  const identity = c.get('identity');
  await orgScope(c).assertOwns(residents, body.residentId, 'residentId');
  const row = await c.env.services.db.transaction(async (tx) => {
    await assertRtpPortFree(tx, body.source);
    const inserted = await camerasOf(c, tx).insert({
      ...body,
      ...consentFields(identity, consentGivenBy ?? null),
      ...eventMediaConsentFields(identity, eventMediaConsentGivenBy ?? null),
    });
    if (consentGivenBy) {
      await auditStaffAction(tx, identity, {
        action: 'camera.consent_recorded',
        targetType: 'camera',
        targetId: inserted.id,
        ip: c.env.clientIp,
        details: { consentGivenBy, residentId: inserted.residentId },
      });
    }
    if (eventMediaConsentGivenBy) {
      await auditStaffAction(tx, identity, {
        action: 'camera.event_media_consent_recorded',
        targetType: 'camera',
        targetId: inserted.id,
        ip: c.env.clientIp,
        details: { eventMediaConsentGivenBy, residentId: inserted.residentId },
      });
    }
    return inserted;
  });
  await invalidateProfiles(c, [row.residentId]);
  return c.json(withIsoDates(row), 201);
});

export const update = handle(...routes.update, async (c) => {
  const { consentGivenBy, eventMediaConsentGivenBy, ...body } = c.req.valid('json');
  const identity = c.get('identity');
  const { id } = c.req.valid('param');
  const consentChanges = consentGivenBy !== undefined;
  const eventMediaChanges = eventMediaConsentGivenBy !== undefined;
  const row = await c.env.services.db.transaction(async (tx) => {
    await assertRtpPortFree(tx, body.source, id);
    const consent = consentChanges ? consentFields(identity, consentGivenBy) : {};
    const eventMedia = eventMediaChanges ? eventMediaConsentFields(identity, eventMediaConsentGivenBy) : {};
    const updated = await camerasOf(c, tx).update(id, { ...body, ...consent, ...eventMedia });
    if (eventMediaChanges) {
      // Withdrawing event-media consent deletes what the camera captured, in this transaction: the delete trigger
      // queues each stored row's bytes for the media store's purge, so nothing stays viewable or kept.
      const deleted = eventMediaConsentGivenBy
        ? []
        : await tx.delete(alertMedia).where(eq(alertMedia.cameraId, id)).returning({ id: alertMedia.id });
      await auditStaffAction(tx, identity, {
        action: eventMediaConsentGivenBy
          ? 'camera.event_media_consent_recorded'
          : 'camera.event_media_consent_withdrawn',
        targetType: 'camera',
        targetId: id,
        ip: c.env.clientIp,
        details: {
          eventMediaConsentGivenBy,
          residentId: updated.residentId,
          ...(eventMediaConsentGivenBy ? {} : { mediaDeleted: deleted.length }),
        },
      });
    }
    if (consentChanges) {
      await auditStaffAction(tx, identity, {
        action: consentGivenBy ? 'camera.consent_recorded' : 'camera.consent_withdrawn',
        targetType: 'camera',
        targetId: id,
        ip: c.env.clientIp,
        details: { consentGivenBy, residentId: updated.residentId },
      });
    }
    return updated;
  });
  await invalidateProfiles(c, [row.residentId]);
  return c.json(withIsoDates(row), 200);
});

export const remove = handle(...routes.remove, async (c) => {
  const id = c.req.valid('param').id;
  const row = await c.env.services.db.transaction(async (tx) => {
    // Its snapshots and clips go with it (the delete trigger queues their bytes for purge): nobody could see them
    // any more, and withdrawing a consent that no longer exists could not reach them. First, while the rows still
    // name the camera; a camera not the caller's deletes nothing, and its 404 below rolls this back anyway.
    await tx.delete(alertMedia).where(and(eq(alertMedia.cameraId, id), eq(alertMedia.orgId, c.get('identity').orgId)));
    return camerasOf(c, tx).remove(id);
  });
  await invalidateProfiles(c, [row.residentId]);
  return c.body(null, 204);
});
