import { eq, ilike, or } from 'drizzle-orm';
import type { StaffIdentity } from '../../../core/auth/access-token';
import { hashPassword } from '../../../core/auth/password';
import { CACHE_TTL_SECONDS, invalidateStaffLists, staffListGeneration, staffListKey } from '../../../core/cache/keys';
import { assignments, type Staff, staff } from '../../../db/schema';
import { revokeAllRefreshTokens } from '../../auth/refresh-tokens';
import type { AppContext } from '../../lib/context';
import { handle } from '../../lib/handlers';
import { equalWhereGiven } from '../../lib/list-filters';
import { orgScope } from '../../lib/org-scope';
import { mapPage } from '../../lib/pagination';
import { ApiError } from '../../lib/problem';
import { invalidateProfiles } from '../../lib/profile-cache';
import { likePattern } from '../../lib/schemas';
import * as routes from './staff.routes';

const sortColumns = { name: staff.name, email: staff.email, createdAt: staff.createdAt } as const;
const staffOf = (c: AppContext) => orgScope(c).table(staff, 'staff member');

/** The public shape: never the password hash or the delivery sequence. */
function staffJson(row: Staff) {
  return {
    id: row.id,
    orgId: row.orgId,
    name: row.name,
    email: row.email,
    phone: row.phone,
    role: row.role,
    active: row.active,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Managers run their team but cannot create, change or promote admins. */
function assertMayManage(identity: StaffIdentity, target: { role: Staff['role'] }, newRole?: Staff['role']) {
  if (identity.role === 'admin') return;
  if (target.role === 'admin' || newRole === 'admin') {
    throw new ApiError({ code: 'FORBIDDEN', detail: 'Only admins may create or change admins' });
  }
}

/**
 * Switching an account on or off and setting its password decide who can log in as whom, so for anyone but
 * oneself they are admin decisions, like `DELETE` (deactivate): a manager who could set a caregiver's password
 * could sign in as that caregiver.
 */
function assertMayChangeAccess(
  identity: StaffIdentity,
  targetId: string,
  body: { active?: boolean; password?: string },
) {
  if (identity.role === 'admin' || targetId === identity.staffId) return;
  if (body.active !== undefined || body.password !== undefined) {
    throw new ApiError({
      code: 'FORBIDDEN',
      detail: "Only admins may deactivate or reactivate staff or set another staff member's password",
    });
  }
}

/**
 * After a change to a staff member: lists show them, profiles of their residents name them, and this process asks
 * again whether they are active.
 */
async function invalidateAfterStaffChange(c: AppContext, staffId: string) {
  c.env.services.activeStaff.forget(staffId);
  const scope = orgScope(c);
  const residentIds = await scope.db
    .select({ residentId: assignments.residentId })
    .from(assignments)
    .where(scope.where(assignments, eq(assignments.staffId, staffId)));
  await Promise.all([
    invalidateStaffLists(c.env.services.cache, scope.orgId),
    invalidateProfiles(
      c,
      residentIds.map((row) => row.residentId),
    ),
  ]);
}

export const list = handle(...routes.list, async (c) => {
  const query = c.req.valid('query');
  const { orgId } = c.get('identity');
  const { cache } = c.env.services;
  const generation = (await staffListGeneration(cache, orgId)) ?? 0;
  const key = staffListKey(orgId, generation, JSON.stringify(query));
  const { value: body, hit } = await cache.readThrough(key, CACHE_TTL_SECONDS, async () => {
    const page = await staffOf(c).page(query, sortColumns[query.sort], [
      ...equalWhereGiven(query, { role: staff.role, active: staff.active }),
      query.q ? or(ilike(staff.name, likePattern(query.q)), ilike(staff.email, likePattern(query.q))) : undefined,
    ]);
    return mapPage(page, staffJson);
  });
  c.header('x-cache', hit ? 'hit' : 'miss');
  if (!body) throw new Error('staff list load returned nothing');
  return c.json(body, 200);
});

export const get = handle(...routes.get, async (c) => {
  return c.json(staffJson(await staffOf(c).get(c.req.valid('param').id)), 200);
});

export const create = handle(...routes.create, async (c) => {
  const { password, ...body } = c.req.valid('json');
  const identity = c.get('identity');
  assertMayManage(identity, body);
  const passwordHash = await hashPassword(password);
  const row = await staffOf(c).insert(
    { ...body, passwordHash },
    { conflict: 'A staff member with this email already exists' },
  );
  await invalidateStaffLists(c.env.services.cache, identity.orgId);
  return c.json(staffJson(row), 201);
});

export const update = handle(...routes.update, async (c) => {
  const { id } = c.req.valid('param');
  const { password, ...body } = c.req.valid('json');
  const identity = c.get('identity');
  const members = staffOf(c);
  assertMayManage(identity, await members.get(id), body.role);
  assertMayChangeAccess(identity, id, { active: body.active, password });
  if (id === identity.staffId && (body.active === false || (body.role && body.role !== identity.role))) {
    throw new ApiError({ code: 'CONFLICT', detail: 'You cannot deactivate yourself or change your own role' });
  }
  const passwordHash = password ? await hashPassword(password) : undefined;
  const row = await members.update(id, { ...body, ...(passwordHash ? { passwordHash } : {}) });
  if (body.active === false || passwordHash) await revokeAllRefreshTokens(c.env.services.db, id);
  await invalidateAfterStaffChange(c, id);
  return c.json(staffJson(row), 200);
});

/** Staff are never deleted: deliveries and acknowledgements keep naming who was told. */
export const deactivate = handle(...routes.deactivate, async (c) => {
  const { id } = c.req.valid('param');
  if (id === c.get('identity').staffId) {
    throw new ApiError({ code: 'CONFLICT', detail: 'You cannot deactivate yourself' });
  }
  const row = await staffOf(c).update(id, { active: false });
  await revokeAllRefreshTokens(c.env.services.db, id);
  await invalidateAfterStaffChange(c, id);
  return c.json(staffJson(row), 200);
});
