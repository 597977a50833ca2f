import { and, eq } from 'drizzle-orm';
import { generateHubKey } from '../../../core/auth/hub-key';
import { hubs, residents } from '../../../db/schema';
import { createRouter } from '../../create-app';
import { auditStaffAction } from '../../lib/audit';
import { describeStaffRoute, jsonResponse } from '../../lib/openapi';
import { assertInOrg, withIsoDates } from '../../lib/org-references';
import { keyset, toPage } from '../../lib/pagination';
import { ApiError } from '../../lib/problem';
import { managersOnly } from '../../lib/roles';
import { IdParam } from '../../lib/schemas';
import { validate } from '../../lib/validate';
import {
  CreateHubBody,
  HubPageSchema,
  HubSchema,
  HubWithKeySchema,
  ListHubsQuery,
  UpdateHubBody,
} from './hubs.schemas';

const notFound = () => new ApiError({ code: 'NOT_FOUND', detail: 'No such hub' });
const sortColumns = { name: hubs.name, createdAt: hubs.createdAt } as const;

/** The public shape: never the key hash. */
function hubJson(row: typeof hubs.$inferSelect) {
  const { apiKeyHash: _hash, ...rest } = row;
  return withIsoDates(rest);
}

export const hubRoutes = createRouter()
  .get(
    '/',
    describeStaffRoute({
      tags: ['hubs'],
      summary: 'List hubs',
      responses: { 200: jsonResponse('A page of hubs', HubPageSchema) },
      errors: ['VALIDATION_FAILED'],
    }),
    managersOnly(),
    validate('query', ListHubsQuery),
    async (c) => {
      const query = c.req.valid('query');
      const { after, orderBy } = await keyset(
        c.env.services.db,
        { table: hubs, sort: sortColumns[query.sort], id: hubs.id, org: hubs.orgId },
        c.get('identity').orgId,
        query,
      );
      const rows = await c.env.services.db
        .select()
        .from(hubs)
        .where(
          and(
            eq(hubs.orgId, c.get('identity').orgId),
            query.residentId ? eq(hubs.residentId, query.residentId) : undefined,
            after,
          ),
        )
        .orderBy(...orderBy)
        .limit(query.limit + 1);
      const page = toPage(rows, query.limit);
      return c.json({ items: page.items.map(hubJson), nextCursor: page.nextCursor }, 200);
    },
  )
  .get(
    '/:id',
    describeStaffRoute({
      tags: ['hubs'],
      summary: 'One hub',
      responses: { 200: jsonResponse('The hub', HubSchema) },
      errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
    }),
    managersOnly(),
    validate('param', IdParam),
    async (c) => {
      const [row] = await c.env.services.db
        .select()
        .from(hubs)
        .where(and(eq(hubs.id, c.req.valid('param').id), eq(hubs.orgId, c.get('identity').orgId)));
      if (!row) throw notFound();
      return c.json(hubJson(row), 200);
    },
  )
  .post(
    '/',
    describeStaffRoute({
      tags: ['hubs'],
      summary: 'Register a hub',
      description: 'Returns the hub and its API key. The key is shown this once; only its SHA-256 is stored.',
      responses: { 201: jsonResponse('Registered', HubWithKeySchema) },
      errors: ['VALIDATION_FAILED', 'BAD_REQUEST'],
    }),
    managersOnly(),
    validate('json', CreateHubBody),
    async (c) => {
      const body = c.req.valid('json');
      const identity = c.get('identity');
      const { db } = c.env.services;
      if (body.residentId) await assertInOrg(db, residents, body.residentId, identity.orgId, 'residentId');
      const key = await generateHubKey();
      const [row] = await db
        .insert(hubs)
        .values({ ...body, orgId: identity.orgId, apiKeyPrefix: key.prefix, apiKeyHash: key.hash })
        .returning();
      if (!row) throw new Error('hub insert returned nothing');
      await auditStaffAction(db, identity, {
        action: 'hub.create',
        targetType: 'hub',
        targetId: row.id,
        ip: c.env.clientIp,
        details: { apiKeyPrefix: key.prefix },
      });
      return c.json({ hub: hubJson(row), apiKey: key.key }, 201);
    },
  )
  .patch(
    '/:id',
    describeStaffRoute({
      tags: ['hubs'],
      summary: 'Rename a hub or move it to another resident',
      responses: { 200: jsonResponse('Updated', HubSchema) },
      errors: ['NOT_FOUND', 'VALIDATION_FAILED', 'BAD_REQUEST'],
    }),
    managersOnly(),
    validate('param', IdParam),
    validate('json', UpdateHubBody),
    async (c) => {
      const body = c.req.valid('json');
      const { orgId } = c.get('identity');
      const { db } = c.env.services;
      if (body.residentId) await assertInOrg(db, residents, body.residentId, orgId, 'residentId');
      const [row] = await db
        .update(hubs)
        .set(body)
        .where(and(eq(hubs.id, c.req.valid('param').id), eq(hubs.orgId, orgId)))
        .returning();
      if (!row) throw notFound();
      return c.json(hubJson(row), 200);
    },
  )
  .post(
    '/:id/rotate-key',
    describeStaffRoute({
      tags: ['hubs'],
      summary: 'Rotate the API key of a hub',
      description: 'The old key stops working at once; the new key is shown this once. Audited.',
      responses: { 200: jsonResponse('New key', HubWithKeySchema) },
      errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
    }),
    managersOnly(),
    validate('param', IdParam),
    async (c) => {
      const identity = c.get('identity');
      const { id } = c.req.valid('param');
      const key = await generateHubKey();
      const row = await c.env.services.db.transaction(async (tx) => {
        const [updated] = await tx
          .update(hubs)
          .set({ apiKeyPrefix: key.prefix, apiKeyHash: key.hash })
          .where(and(eq(hubs.id, id), eq(hubs.orgId, identity.orgId)))
          .returning();
        if (!updated) throw notFound();
        await auditStaffAction(tx, identity, {
          action: 'hub.rotate_key',
          targetType: 'hub',
          targetId: id,
          ip: c.env.clientIp,
          details: { apiKeyPrefix: key.prefix },
        });
        return updated;
      });
      return c.json({ hub: hubJson(row), apiKey: key.key }, 200);
    },
  )
  .delete(
    '/:id',
    describeStaffRoute({
      tags: ['hubs'],
      summary: 'Remove a hub and its devices',
      description: 'Its key stops working; recorded sensor events and alerts stay.',
      responses: { 204: { description: 'Removed' } },
      errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
    }),
    managersOnly(),
    validate('param', IdParam),
    async (c) => {
      const identity = c.get('identity');
      const { id } = c.req.valid('param');
      const [row] = await c.env.services.db
        .delete(hubs)
        .where(and(eq(hubs.id, id), eq(hubs.orgId, identity.orgId)))
        .returning({ id: hubs.id });
      if (!row) throw notFound();
      await auditStaffAction(c.env.services.db, identity, {
        action: 'hub.delete',
        targetType: 'hub',
        targetId: id,
        ip: c.env.clientIp,
      });
      return c.body(null, 204);
    },
  );
