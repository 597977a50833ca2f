import { and, eq } from 'drizzle-orm';
import type { StaffIdentity } from '../../../core/auth/access-token';
import { invalidateResidentProfiles } from '../../../core/cache/keys';
import { cameras, residents } from '../../../db/schema';
import { createRouter } from '../../create-app';
import { auditStaffAction } from '../../lib/audit';
import { describeStaffRoute, jsonResponse } from '../../lib/openapi';
import { assertInOrg, withIsoDates } from '../../lib/org-references';
import { keyset, toPage } from '../../lib/pagination';
import { ApiError } from '../../lib/problem';
import { managersOnly } from '../../lib/roles';
import { IdParam } from '../../lib/schemas';
import { validate } from '../../lib/validate';
import { cameraGrantRoutes } from './camera-grants.routes';
import {
  CameraPageSchema,
  CameraSchema,
  CreateCameraBody,
  ListCamerasQuery,
  UpdateCameraBody,
} from './cameras.schemas';
import { assertRtpPortFree } from './rtp-port';

const notFound = () => new ApiError({ code: 'NOT_FOUND', detail: 'No such camera' });
const sortColumns = { name: cameras.name, createdAt: cameras.createdAt } as const;

/** Consent is recorded with who recorded it and when; withdrawing clears all three. */
function consentFields(identity: StaffIdentity, consentGivenBy: string | null) {
  return consentGivenBy
    ? { consentGivenBy, consentRecordedBy: identity.staffId, consentRecordedAt: new Date() }
    : { consentGivenBy: null, consentRecordedBy: null, consentRecordedAt: null };
}

export const cameraRoutes = createRouter()
  .get(
    '/',
    describeStaffRoute({
      tags: ['cameras'],
      summary: 'List cameras',
      responses: { 200: jsonResponse('A page of cameras', CameraPageSchema) },
      errors: ['VALIDATION_FAILED'],
    }),
    managersOnly(),
    validate('query', ListCamerasQuery),
    async (c) => {
      const query = c.req.valid('query');
      const { after, orderBy } = await keyset(
        c.env.services.db,
        { table: cameras, sort: sortColumns[query.sort], id: cameras.id, org: cameras.orgId },
        c.get('identity').orgId,
        query,
      );
      const rows = await c.env.services.db
        .select()
        .from(cameras)
        .where(
          and(
            eq(cameras.orgId, c.get('identity').orgId),
            query.residentId ? eq(cameras.residentId, query.residentId) : undefined,
            after,
          ),
        )
        .orderBy(...orderBy)
        .limit(query.limit + 1);
      const page = toPage(rows, query.limit);
      return c.json({ items: page.items.map(withIsoDates), nextCursor: page.nextCursor }, 200);
    },
  )
  .get(
    '/:id',
    describeStaffRoute({
      tags: ['cameras'],
      summary: 'One camera',
      responses: { 200: jsonResponse('The camera', CameraSchema) },
      errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
    }),
    managersOnly(),
    validate('param', IdParam),
    async (c) => {
      const [row] = await c.env.services.db
        .select()
        .from(cameras)
        .where(and(eq(cameras.id, c.req.valid('param').id), eq(cameras.orgId, c.get('identity').orgId)));
      if (!row) throw notFound();
      return c.json(withIsoDates(row), 200);
    },
  )
  .post(
    '/',
    describeStaffRoute({
      tags: ['cameras'],
      summary: 'Add a camera to a resident’s home',
      description: 'Recording consent (`consentGivenBy`) stores who recorded it and when, and is audited.',
      responses: { 201: jsonResponse('Added', CameraSchema) },
      errors: ['VALIDATION_FAILED', 'BAD_REQUEST', 'CONFLICT'],
    }),
    managersOnly(),
    validate('json', CreateCameraBody),
    async (c) => {
      const { consentGivenBy, ...body } = c.req.valid('json');
      const identity = c.get('identity');
      const { db } = c.env.services;
      await assertInOrg(db, residents, body.residentId, identity.orgId, 'residentId');
      const row = await db.transaction(async (tx) => {
        await assertRtpPortFree(tx, body.source);
        const [inserted] = await tx
          .insert(cameras)
          .values({ ...body, orgId: identity.orgId, ...consentFields(identity, consentGivenBy ?? null) })
          .returning();
        if (!inserted) throw new Error('camera insert returned nothing');
        if (consentGivenBy) {
          await auditStaffAction(tx, identity, {
            action: 'camera.consent_recorded',
            targetType: 'camera',
            targetId: inserted.id,
            ip: c.env.clientIp,
            details: { consentGivenBy, residentId: inserted.residentId },
          });
        }
        return inserted;
      });
      await invalidateResidentProfiles(c.env.services.cache, identity.orgId, [row.residentId]);
      return c.json(withIsoDates(row), 201);
    },
  )
  .patch(
    '/:id',
    describeStaffRoute({
      tags: ['cameras'],
      summary: 'Update a camera or its consent',
      description: 'A consent change (recorded or withdrawn with `consentGivenBy: null`) is audited.',
      responses: { 200: jsonResponse('Updated', CameraSchema) },
      errors: ['NOT_FOUND', 'VALIDATION_FAILED', 'BAD_REQUEST', 'CONFLICT'],
    }),
    managersOnly(),
    validate('param', IdParam),
    validate('json', UpdateCameraBody),
    async (c) => {
      const { consentGivenBy, ...body } = c.req.valid('json');
      const identity = c.get('identity');
      const { id } = c.req.valid('param');
      const consentChanges = consentGivenBy !== undefined;
      const row = await c.env.services.db.transaction(async (tx) => {
        await assertRtpPortFree(tx, body.source, id);
        const [updated] = await tx
          .update(cameras)
          .set({ ...body, ...(consentChanges ? consentFields(identity, consentGivenBy) : {}) })
          .where(and(eq(cameras.id, id), eq(cameras.orgId, identity.orgId)))
          .returning();
        if (!updated) throw notFound();
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
      await invalidateResidentProfiles(c.env.services.cache, identity.orgId, [row.residentId]);
      return c.json(withIsoDates(row), 200);
    },
  )
  .delete(
    '/:id',
    describeStaffRoute({
      tags: ['cameras'],
      summary: 'Remove a camera',
      responses: { 204: { description: 'Removed' } },
      errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
    }),
    managersOnly(),
    validate('param', IdParam),
    async (c) => {
      const { orgId } = c.get('identity');
      const [row] = await c.env.services.db
        .delete(cameras)
        .where(and(eq(cameras.id, c.req.valid('param').id), eq(cameras.orgId, orgId)))
        .returning({ residentId: cameras.residentId });
      if (!row) throw notFound();
      await invalidateResidentProfiles(c.env.services.cache, orgId, [row.residentId]);
      return c.body(null, 204);
    },
  )
  .route('/:id/grants', cameraGrantRoutes);
