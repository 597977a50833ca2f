import { and, eq, gt, isNotNull, isNull, lte, or, type SQL } from 'drizzle-orm';
import type { Database } from '../../../db/client';
import { assignments, type CameraAccessGrant, cameraAccessGrants, cameras, staff } from '../../../db/schema';
import { createRouter } from '../../create-app';
import { auditStaffAction } from '../../lib/audit';
import { describeStaffRoute, jsonResponse } from '../../lib/openapi';
import { withIsoDates } from '../../lib/org-references';
import { keyset, toPage } from '../../lib/pagination';
import { ApiError } from '../../lib/problem';
import { adminsOnly } from '../../lib/roles';
import { IdParam } from '../../lib/schemas';
import { validate } from '../../lib/validate';
import { CreateGrantBody, GrantPageSchema, GrantParams, GrantSchema, ListGrantsQuery } from './camera-grants.schemas';

const cameraNotFound = () => new ApiError({ code: 'NOT_FOUND', detail: 'No such camera' });
const grantNotFound = () => new ApiError({ code: 'NOT_FOUND', detail: 'No such grant for this camera' });

/** A grant in force: not revoked and not expired (the same condition as the camera access rule's). */
function inForce(now: Date): SQL {
  return and(
    isNull(cameraAccessGrants.revokedAt),
    or(isNull(cameraAccessGrants.expiresAt), gt(cameraAccessGrants.expiresAt, now)),
  ) as SQL;
}

function grantJson(row: CameraAccessGrant, now = new Date()) {
  const active = row.revokedAt === null && (row.expiresAt === null || row.expiresAt > now);
  return { ...withIsoDates(row), active };
}

/** The camera's resident, when the camera is in the caller's organisation; otherwise 404. */
async function residentOfCamera(db: Pick<Database, 'select'>, cameraId: string, orgId: string): Promise<string> {
  const [camera] = await db
    .select({ residentId: cameras.residentId })
    .from(cameras)
    .where(and(eq(cameras.id, cameraId), eq(cameras.orgId, orgId)));
  if (!camera) throw cameraNotFound();
  return camera.residentId;
}

const invalidStaff = (message: string) =>
  new ApiError({
    code: 'VALIDATION_FAILED',
    detail: 'The request body is invalid',
    errors: [{ field: 'body.staffId', message }],
  });

/**
 * Standing camera access (`camera_access_grants`), under a camera: admins grant an assigned caregiver access to
 * the camera's resident outside open alerts, list who has it, and revoke it. A grant covers every camera of the
 * resident. Revoking keeps the row (revoked_at/revoked_by); the realtime node ends a running view it justified
 * within its access re-check interval. Every grant and revocation is audited.
 */
export const cameraGrantRoutes = createRouter()
  .get(
    '/',
    describeStaffRoute({
      tags: ['cameras'],
      summary: 'List standing access grants of a camera (admins only)',
      description:
        'Grants of the camera’s resident (a grant covers all of the resident’s cameras), oldest first unless ' +
        '`order=desc`; `active` filters by whether they are in force.',
      responses: { 200: jsonResponse('A page of grants', GrantPageSchema) },
      errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
    }),
    adminsOnly(),
    validate('param', IdParam),
    validate('query', ListGrantsQuery),
    async (c) => {
      const { id } = c.req.valid('param');
      const query = c.req.valid('query');
      const { db } = c.env.services;
      const { orgId } = c.get('identity');
      const residentId = await residentOfCamera(db, id, orgId);
      const now = new Date();
      const notInForce = or(isNotNull(cameraAccessGrants.revokedAt), lte(cameraAccessGrants.expiresAt, now));
      const { after, orderBy } = await keyset(
        db,
        {
          table: cameraAccessGrants,
          sort: cameraAccessGrants.createdAt,
          id: cameraAccessGrants.id,
          org: cameraAccessGrants.orgId,
        },
        orgId,
        query,
      );
      const rows = await db
        .select()
        .from(cameraAccessGrants)
        .where(
          and(
            eq(cameraAccessGrants.orgId, orgId),
            eq(cameraAccessGrants.residentId, residentId),
            query.active === undefined ? undefined : query.active ? inForce(now) : notInForce,
            after,
          ),
        )
        .orderBy(...orderBy)
        .limit(query.limit + 1);
      const page = toPage(rows, query.limit);
      return c.json({ items: page.items.map((row) => grantJson(row, now)), nextCursor: page.nextCursor }, 200);
    },
  )
  .post(
    '/',
    describeStaffRoute({
      tags: ['cameras'],
      summary: 'Grant a caregiver standing access to a camera (admins only)',
      description:
        'The caregiver must be active and assigned to the camera’s resident (managers and admins can always ' +
        'watch). The grant covers every camera of that resident until `expiresAt` or revocation, and is audited.',
      responses: { 201: jsonResponse('Granted', GrantSchema) },
      errors: ['NOT_FOUND', 'VALIDATION_FAILED', 'BAD_REQUEST'],
    }),
    adminsOnly(),
    validate('param', IdParam),
    validate('json', CreateGrantBody),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const identity = c.get('identity');
      const { db } = c.env.services;
      const row = await db.transaction(async (tx) => {
        const residentId = await residentOfCamera(tx, id, identity.orgId);
        const [grantee] = await tx
          .select({ role: staff.role, active: staff.active, assigned: assignments.id })
          .from(staff)
          .leftJoin(assignments, and(eq(assignments.staffId, staff.id), eq(assignments.residentId, residentId)))
          .where(and(eq(staff.id, body.staffId), eq(staff.orgId, identity.orgId)));
        if (!grantee) throw invalidStaff('does not exist in your organisation');
        if (!grantee.active) throw invalidStaff('is deactivated');
        if (grantee.role !== 'caregiver') throw invalidStaff('managers and admins can already watch every camera');
        if (!grantee.assigned) throw invalidStaff('is not assigned to the camera’s resident');
        const [inserted] = await tx
          .insert(cameraAccessGrants)
          .values({
            orgId: identity.orgId,
            residentId,
            staffId: body.staffId,
            grantedBy: identity.staffId,
            reason: body.reason,
            expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
          })
          .returning();
        if (!inserted) throw new Error('grant insert returned nothing');
        await auditStaffAction(tx, identity, {
          action: 'camera.access_granted',
          targetType: 'camera',
          targetId: id,
          ip: c.env.clientIp,
          details: {
            grantId: inserted.id,
            staffId: inserted.staffId,
            residentId,
            reason: inserted.reason,
            expiresAt: inserted.expiresAt?.toISOString() ?? null,
          },
        });
        return inserted;
      });
      return c.json(grantJson(row), 201);
    },
  )
  .delete(
    '/:grantId',
    describeStaffRoute({
      tags: ['cameras'],
      summary: 'Revoke a standing access grant (admins only)',
      description:
        'Sets `revokedAt`/`revokedBy` (the row stays as a record) and is audited. A view the grant justified ends ' +
        'within the realtime node’s access re-check interval. A grant already revoked answers 409.',
      responses: { 200: jsonResponse('Revoked', GrantSchema) },
      errors: ['NOT_FOUND', 'VALIDATION_FAILED', 'CONFLICT'],
    }),
    adminsOnly(),
    validate('param', GrantParams),
    async (c) => {
      const { id, grantId } = c.req.valid('param');
      const identity = c.get('identity');
      const row = await c.env.services.db.transaction(async (tx) => {
        const residentId = await residentOfCamera(tx, id, identity.orgId);
        const [current] = await tx
          .select({ revokedAt: cameraAccessGrants.revokedAt })
          .from(cameraAccessGrants)
          .where(
            and(
              eq(cameraAccessGrants.id, grantId),
              eq(cameraAccessGrants.orgId, identity.orgId),
              eq(cameraAccessGrants.residentId, residentId),
            ),
          )
          .for('update');
        if (!current) throw grantNotFound();
        if (current.revokedAt) throw new ApiError({ code: 'CONFLICT', detail: 'The grant is already revoked' });
        const [revoked] = await tx
          .update(cameraAccessGrants)
          .set({ revokedAt: new Date(), revokedBy: identity.staffId })
          .where(eq(cameraAccessGrants.id, grantId))
          .returning();
        if (!revoked) throw grantNotFound();
        await auditStaffAction(tx, identity, {
          action: 'camera.access_revoked',
          targetType: 'camera',
          targetId: id,
          ip: c.env.clientIp,
          details: { grantId, staffId: revoked.staffId, residentId },
        });
        return revoked;
      });
      return c.json(grantJson(row), 200);
    },
  );
