import { and, eq } from 'drizzle-orm';
import { invalidateResidentProfiles } from '../../../core/cache/keys';
import { assignments, residents, staff } from '../../../db/schema';
import { createRouter } from '../../create-app';
import { describeStaffRoute, jsonResponse } from '../../lib/openapi';
import { assertInOrg, withIsoDates } from '../../lib/org-references';
import { keyset, toPage } from '../../lib/pagination';
import { isUniqueViolation } from '../../lib/postgres-errors';
import { ApiError } from '../../lib/problem';
import { managersOnly } from '../../lib/roles';
import { IdParam } from '../../lib/schemas';
import { validate } from '../../lib/validate';
import {
  AssignmentPageSchema,
  AssignmentSchema,
  CreateAssignmentBody,
  ListAssignmentsQuery,
  UpdateAssignmentBody,
} from './assignments.schemas';

const notFound = () => new ApiError({ code: 'NOT_FOUND', detail: 'No such assignment' });
const sortColumns = { escalationOrder: assignments.escalationOrder, createdAt: assignments.createdAt } as const;

export const assignmentRoutes = createRouter()
  .get(
    '/',
    describeStaffRoute({
      tags: ['assignments'],
      summary: 'List assignments',
      responses: { 200: jsonResponse('A page of assignments', AssignmentPageSchema) },
      errors: ['VALIDATION_FAILED'],
    }),
    managersOnly(),
    validate('query', ListAssignmentsQuery),
    async (c) => {
      const query = c.req.valid('query');
      const { after, orderBy } = await keyset(
        c.env.services.db,
        { table: assignments, sort: sortColumns[query.sort], id: assignments.id, org: assignments.orgId },
        c.get('identity').orgId,
        query,
      );
      const rows = await c.env.services.db
        .select()
        .from(assignments)
        .where(
          and(
            eq(assignments.orgId, c.get('identity').orgId),
            query.staffId ? eq(assignments.staffId, query.staffId) : undefined,
            query.residentId ? eq(assignments.residentId, query.residentId) : undefined,
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
      tags: ['assignments'],
      summary: 'One assignment',
      responses: { 200: jsonResponse('The assignment', AssignmentSchema) },
      errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
    }),
    managersOnly(),
    validate('param', IdParam),
    async (c) => {
      const [row] = await c.env.services.db
        .select()
        .from(assignments)
        .where(and(eq(assignments.id, c.req.valid('param').id), eq(assignments.orgId, c.get('identity').orgId)));
      if (!row) throw notFound();
      return c.json(withIsoDates(row), 200);
    },
  )
  .post(
    '/',
    describeStaffRoute({
      tags: ['assignments'],
      summary: 'Assign a staff member to a resident',
      description: 'Both must belong to your organisation (422 otherwise); a pair is assigned once (409).',
      responses: { 201: jsonResponse('Assigned', AssignmentSchema) },
      errors: ['VALIDATION_FAILED', 'CONFLICT', 'BAD_REQUEST'],
    }),
    managersOnly(),
    validate('json', CreateAssignmentBody),
    async (c) => {
      const body = c.req.valid('json');
      const { orgId } = c.get('identity');
      const { db, cache } = c.env.services;
      await assertInOrg(db, staff, body.staffId, orgId, 'staffId');
      await assertInOrg(db, residents, body.residentId, orgId, 'residentId');
      const [row] = await db
        .insert(assignments)
        .values({ ...body, orgId })
        .returning()
        .catch((error: unknown) => {
          if (isUniqueViolation(error)) {
            throw new ApiError({ code: 'CONFLICT', detail: 'This staff member is already assigned to this resident' });
          }
          throw error;
        });
      if (!row) throw new Error('assignment insert returned nothing');
      await invalidateResidentProfiles(cache, orgId, [row.residentId]);
      return c.json(withIsoDates(row), 201);
    },
  )
  .patch(
    '/:id',
    describeStaffRoute({
      tags: ['assignments'],
      summary: 'Change the escalation order of an assignment',
      responses: { 200: jsonResponse('Updated', AssignmentSchema) },
      errors: ['NOT_FOUND', 'VALIDATION_FAILED', 'BAD_REQUEST'],
    }),
    managersOnly(),
    validate('param', IdParam),
    validate('json', UpdateAssignmentBody),
    async (c) => {
      const { orgId } = c.get('identity');
      const [row] = await c.env.services.db
        .update(assignments)
        .set(c.req.valid('json'))
        .where(and(eq(assignments.id, c.req.valid('param').id), eq(assignments.orgId, orgId)))
        .returning();
      if (!row) throw notFound();
      await invalidateResidentProfiles(c.env.services.cache, orgId, [row.residentId]);
      return c.json(withIsoDates(row), 200);
    },
  )
  .delete(
    '/:id',
    describeStaffRoute({
      tags: ['assignments'],
      summary: 'Remove an assignment',
      responses: { 204: { description: 'Removed' } },
      errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
    }),
    managersOnly(),
    validate('param', IdParam),
    async (c) => {
      const { orgId } = c.get('identity');
      const [row] = await c.env.services.db
        .delete(assignments)
        .where(and(eq(assignments.id, c.req.valid('param').id), eq(assignments.orgId, orgId)))
        .returning();
      if (!row) throw notFound();
      await invalidateResidentProfiles(c.env.services.cache, orgId, [row.residentId]);
      return c.body(null, 204);
    },
  );
