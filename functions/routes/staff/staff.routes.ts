import { and, eq, ilike, or } from 'drizzle-orm';
import type { StaffIdentity } from '../../../core/auth/access-token';
import { hashPassword } from '../../../core/auth/password';
import {
  CACHE_TTL_SECONDS,
  invalidateResidentProfiles,
  invalidateStaffLists,
  staffListGeneration,
  staffListKey,
} from '../../../core/cache/keys';
import { assignments, staff } from '../../../db/schema';
import { revokeAllRefreshTokens } from '../../auth/refresh-tokens';
import { createRouter } from '../../create-app';
import type { AppEnv } from '../../lib/context';
import { describeStaffRoute, jsonResponse } from '../../lib/openapi';
import { keyset, toPage } from '../../lib/pagination';
import { isUniqueViolation } from '../../lib/postgres-errors';
import { ApiError } from '../../lib/problem';
import { adminsOnly, managersOnly } from '../../lib/roles';
import { IdParam, likePattern } from '../../lib/schemas';
import { validate } from '../../lib/validate';
import { CreateStaffBody, ListStaffQuery, StaffPageSchema, StaffSchema, UpdateStaffBody } from './staff.schemas';

type StaffRow = typeof staff.$inferSelect;
type Services = AppEnv['Bindings']['services'];

const notFound = () => new ApiError({ code: 'NOT_FOUND', detail: 'No such staff member' });
const sortColumns = { name: staff.name, email: staff.email, createdAt: staff.createdAt } as const;

/** The public shape: never the password hash or the delivery sequence. */
function staffJson(row: StaffRow) {
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
function assertMayManage(identity: StaffIdentity, target: { role: StaffRow['role'] }, newRole?: StaffRow['role']) {
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
async function invalidateAfterStaffChange(services: Services, orgId: string, staffId: string) {
  services.activeStaff.forget(staffId);
  const residentIds = await services.db
    .select({ residentId: assignments.residentId })
    .from(assignments)
    .where(eq(assignments.staffId, staffId));
  await Promise.all([
    invalidateStaffLists(services.cache, orgId),
    invalidateResidentProfiles(
      services.cache,
      orgId,
      residentIds.map((row) => row.residentId),
    ),
  ]);
}

export const staffRoutes = createRouter()
  .get(
    '/',
    describeStaffRoute({
      tags: ['staff'],
      summary: 'List staff',
      description: 'Read-through cached per query; any staff write invalidates every cached list (`x-cache`).',
      responses: { 200: jsonResponse('A page of staff', StaffPageSchema) },
      errors: ['VALIDATION_FAILED'],
    }),
    managersOnly(),
    validate('query', ListStaffQuery),
    async (c) => {
      const query = c.req.valid('query');
      const { orgId } = c.get('identity');
      const { db, cache } = c.env.services;
      const generation = (await staffListGeneration(cache, orgId)) ?? 0;
      const key = staffListKey(orgId, generation, JSON.stringify(query));
      const { value: body, hit } = await cache.readThrough(key, CACHE_TTL_SECONDS, async () => {
        const { after, orderBy } = await keyset(
          db,
          { table: staff, sort: sortColumns[query.sort], id: staff.id, org: staff.orgId },
          orgId,
          query,
        );
        const rows = await db
          .select()
          .from(staff)
          .where(
            and(
              eq(staff.orgId, orgId),
              query.role ? eq(staff.role, query.role) : undefined,
              query.active === undefined ? undefined : eq(staff.active, query.active),
              query.q
                ? or(ilike(staff.name, likePattern(query.q)), ilike(staff.email, likePattern(query.q)))
                : undefined,
              after,
            ),
          )
          .orderBy(...orderBy)
          .limit(query.limit + 1);
        const page = toPage(rows, query.limit);
        return { items: page.items.map(staffJson), nextCursor: page.nextCursor };
      });
      c.header('x-cache', hit ? 'hit' : 'miss');
      if (!body) throw new Error('staff list load returned nothing');
      return c.json(body, 200);
    },
  )
  .get(
    '/:id',
    describeStaffRoute({
      tags: ['staff'],
      summary: 'One staff member',
      responses: { 200: jsonResponse('The staff member', StaffSchema) },
      errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
    }),
    managersOnly(),
    validate('param', IdParam),
    async (c) => {
      const [row] = await c.env.services.db
        .select()
        .from(staff)
        .where(and(eq(staff.id, c.req.valid('param').id), eq(staff.orgId, c.get('identity').orgId)));
      if (!row) throw notFound();
      return c.json(staffJson(row), 200);
    },
  )
  .post(
    '/',
    describeStaffRoute({
      tags: ['staff'],
      summary: 'Add a staff member',
      description: 'Emails are unique per organisation (409). Managers cannot create admins.',
      responses: { 201: jsonResponse('Created', StaffSchema) },
      errors: ['VALIDATION_FAILED', 'CONFLICT', 'BAD_REQUEST'],
    }),
    managersOnly(),
    validate('json', CreateStaffBody),
    async (c) => {
      const { password, ...body } = c.req.valid('json');
      const identity = c.get('identity');
      assertMayManage(identity, body);
      const passwordHash = await hashPassword(password);
      const row = await c.env.services.db
        .insert(staff)
        .values({ ...body, orgId: identity.orgId, passwordHash })
        .returning()
        .then(([inserted]) => inserted)
        .catch((error: unknown) => {
          if (isUniqueViolation(error)) {
            throw new ApiError({ code: 'CONFLICT', detail: 'A staff member with this email already exists' });
          }
          throw error;
        });
      if (!row) throw new Error('staff insert returned nothing');
      await invalidateStaffLists(c.env.services.cache, identity.orgId);
      return c.json(staffJson(row), 201);
    },
  )
  .patch(
    '/:id',
    describeStaffRoute({
      tags: ['staff'],
      summary: 'Update a staff member',
      description:
        'Deactivating (`active: false`) or changing the password revokes their refresh tokens. Managers cannot ' +
        'change admins, and changing `active` or the `password` of anyone but oneself is for admins (403); a ' +
        'manager may change their own password.',
      responses: { 200: jsonResponse('Updated', StaffSchema) },
      errors: ['NOT_FOUND', 'VALIDATION_FAILED', 'CONFLICT', 'BAD_REQUEST'],
    }),
    managersOnly(),
    validate('param', IdParam),
    validate('json', UpdateStaffBody),
    async (c) => {
      const { id } = c.req.valid('param');
      const { password, ...body } = c.req.valid('json');
      const identity = c.get('identity');
      const { db } = c.env.services;
      const [current] = await db
        .select({ role: staff.role })
        .from(staff)
        .where(and(eq(staff.id, id), eq(staff.orgId, identity.orgId)));
      if (!current) throw notFound();
      assertMayManage(identity, current, body.role);
      assertMayChangeAccess(identity, id, { active: body.active, password });
      if (id === identity.staffId && (body.active === false || (body.role && body.role !== identity.role))) {
        throw new ApiError({ code: 'CONFLICT', detail: 'You cannot deactivate yourself or change your own role' });
      }
      const passwordHash = password ? await hashPassword(password) : undefined;
      const [row] = await db
        .update(staff)
        .set({ ...body, ...(passwordHash ? { passwordHash } : {}) })
        .where(and(eq(staff.id, id), eq(staff.orgId, identity.orgId)))
        .returning();
      if (!row) throw notFound();
      if (body.active === false || passwordHash) await revokeAllRefreshTokens(db, id);
      await invalidateAfterStaffChange(c.env.services, identity.orgId, id);
      return c.json(staffJson(row), 200);
    },
  )
  .delete(
    '/:id',
    describeStaffRoute({
      tags: ['staff'],
      summary: 'Deactivate a staff member (admins only)',
      description:
        'Staff are never hard-deleted: alert deliveries and acknowledgements must keep naming who was told. ' +
        'The account is deactivated, its refresh tokens revoked, and it can no longer log in.',
      responses: { 200: jsonResponse('Deactivated', StaffSchema) },
      errors: ['NOT_FOUND', 'VALIDATION_FAILED', 'CONFLICT'],
    }),
    adminsOnly(),
    validate('param', IdParam),
    async (c) => {
      const { id } = c.req.valid('param');
      const identity = c.get('identity');
      if (id === identity.staffId) throw new ApiError({ code: 'CONFLICT', detail: 'You cannot deactivate yourself' });
      const { db } = c.env.services;
      const [row] = await db
        .update(staff)
        .set({ active: false })
        .where(and(eq(staff.id, id), eq(staff.orgId, identity.orgId)))
        .returning();
      if (!row) throw notFound();
      await revokeAllRefreshTokens(db, id);
      await invalidateAfterStaffChange(c.env.services, identity.orgId, id);
      return c.json(staffJson(row), 200);
    },
  );
