import { and, eq, gt, isNotNull, isNull, lte, or, type SQL } from 'drizzle-orm';
import { assignments, type CameraAccessGrant, cameraAccessGrants, cameras, staff } from '../../../db/schema';
import { auditStaffAction } from '../../lib/audit';
import type { AppContext } from '../../lib/context';
import { handle } from '../../lib/handlers';
import { withIsoDates } from '../../lib/org-references';
import { type Executor, orgScope } from '../../lib/org-scope';
import { mapPage } from '../../lib/pagination';
import { ApiError } from '../../lib/problem';
import * as routes from './camera-grants.routes';

/**
 * Standing camera access (`camera_access_grants`), under a camera: admins grant an assigned caregiver access to
 * the camera's resident outside open alerts, list who has it, and revoke it. A grant covers every camera of the
 * resident. Revoking keeps the row (revoked_at/revoked_by); the realtime node ends a running view it justified
 * within its access re-check interval. Every grant and revocation is audited.
 */

const grantsOf = (c: AppContext, db?: Executor) => orgScope(c, db).table(cameraAccessGrants, 'grant for this camera');

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
async function residentOfCamera(c: AppContext, db: Executor, cameraId: string): Promise<string> {
  return (await orgScope(c, db).table(cameras, 'camera').get(cameraId)).residentId;
}

const invalidStaff = (message: string) =>
  new ApiError({
    code: 'VALIDATION_FAILED',
    detail: 'The request body is invalid',
    errors: [{ field: 'body.staffId', message }],
  });

export const list = handle(...routes.list, async (c) => {
  const { id } = c.req.valid('param');
  const query = c.req.valid('query');
  const residentId = await residentOfCamera(c, c.env.services.db, id);
  const now = new Date();
  const notInForce = or(isNotNull(cameraAccessGrants.revokedAt), lte(cameraAccessGrants.expiresAt, now));
  const page = await grantsOf(c).page(query, cameraAccessGrants.createdAt, [
    eq(cameraAccessGrants.residentId, residentId),
    query.active === undefined ? undefined : query.active ? inForce(now) : notInForce,
  ]);
  return c.json(
    mapPage(page, (row) => grantJson(row, now)),
    200,
  );
});

export const create = handle(...routes.create, async (c) => {
  const { id } = c.req.valid('param');
  const body = c.req.valid('json');
  const identity = c.get('identity');
  const row = await c.env.services.db.transaction(async (tx) => {
    const residentId = await residentOfCamera(c, tx, id);
    const [grantee] = await tx
      .select({ role: staff.role, active: staff.active, assigned: assignments.id })
      .from(staff)
      .leftJoin(assignments, and(eq(assignments.staffId, staff.id), eq(assignments.residentId, residentId)))
      .where(orgScope(c, tx).where(staff, eq(staff.id, body.staffId)));
    if (!grantee) throw invalidStaff('does not exist in your organisation');
    if (!grantee.active) throw invalidStaff('is deactivated');
    if (grantee.role !== 'caregiver') throw invalidStaff('managers and admins can already watch every camera');
    if (!grantee.assigned) throw invalidStaff('is not assigned to the camera’s resident');
    const inserted = await grantsOf(c, tx).insert({
      residentId,
      staffId: body.staffId,
      grantedBy: identity.staffId,
      reason: body.reason,
      expiresAt: body.expiresAt ? new Date(body.expiresAt) : null,
    });
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
});

export const revoke = handle(...routes.revoke, async (c) => {
  const { id, grantId } = c.req.valid('param');
  const identity = c.get('identity');
  const row = await c.env.services.db.transaction(async (tx) => {
    const residentId = await residentOfCamera(c, tx, id);
    const grants = grantsOf(c, tx);
    const current = await grants.get(grantId, {
      where: eq(cameraAccessGrants.residentId, residentId),
      forUpdate: true,
    });
    if (current.revokedAt) throw new ApiError({ code: 'CONFLICT', detail: 'The grant is already revoked' });
    const revoked = await grants.update(grantId, { revokedAt: new Date(), revokedBy: identity.staffId });
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
});
