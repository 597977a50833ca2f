import { and, eq } from 'drizzle-orm';
import { devices, hubs } from '../../../db/schema';
import { createRouter } from '../../create-app';
import { describeStaffRoute, jsonResponse } from '../../lib/openapi';
import { assertInOrg, withIsoDates } from '../../lib/org-references';
import { keyset, toPage } from '../../lib/pagination';
import { ApiError } from '../../lib/problem';
import { managersOnly } from '../../lib/roles';
import { IdParam } from '../../lib/schemas';
import { validate } from '../../lib/validate';
import {
  CreateDeviceBody,
  DevicePageSchema,
  DeviceSchema,
  ListDevicesQuery,
  UpdateDeviceBody,
} from './devices.schemas';

const notFound = () => new ApiError({ code: 'NOT_FOUND', detail: 'No such device' });

export const deviceRoutes = createRouter()
  .get(
    '/',
    describeStaffRoute({
      tags: ['devices'],
      summary: 'List devices',
      responses: { 200: jsonResponse('A page of devices', DevicePageSchema) },
      errors: ['VALIDATION_FAILED'],
    }),
    managersOnly(),
    validate('query', ListDevicesQuery),
    async (c) => {
      const query = c.req.valid('query');
      const { after, orderBy } = await keyset(
        c.env.services.db,
        { table: devices, sort: devices.createdAt, id: devices.id, org: devices.orgId },
        c.get('identity').orgId,
        query,
      );
      const rows = await c.env.services.db
        .select()
        .from(devices)
        .where(
          and(
            eq(devices.orgId, c.get('identity').orgId),
            query.hubId ? eq(devices.hubId, query.hubId) : undefined,
            query.kind ? eq(devices.kind, query.kind) : undefined,
            query.needsInspection === undefined ? undefined : eq(devices.needsInspection, query.needsInspection),
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
      tags: ['devices'],
      summary: 'One device',
      responses: { 200: jsonResponse('The device', DeviceSchema) },
      errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
    }),
    managersOnly(),
    validate('param', IdParam),
    async (c) => {
      const [row] = await c.env.services.db
        .select()
        .from(devices)
        .where(and(eq(devices.id, c.req.valid('param').id), eq(devices.orgId, c.get('identity').orgId)));
      if (!row) throw notFound();
      return c.json(withIsoDates(row), 200);
    },
  )
  .post(
    '/',
    describeStaffRoute({
      tags: ['devices'],
      summary: 'Add a device to a hub',
      responses: { 201: jsonResponse('Added', DeviceSchema) },
      errors: ['VALIDATION_FAILED', 'BAD_REQUEST'],
    }),
    managersOnly(),
    validate('json', CreateDeviceBody),
    async (c) => {
      const body = c.req.valid('json');
      const { orgId } = c.get('identity');
      await assertInOrg(c.env.services.db, hubs, body.hubId, orgId, 'hubId');
      const [row] = await c.env.services.db
        .insert(devices)
        .values({ ...body, orgId })
        .returning();
      if (!row) throw new Error('device insert returned nothing');
      return c.json(withIsoDates(row), 201);
    },
  )
  .patch(
    '/:id',
    describeStaffRoute({
      tags: ['devices'],
      summary: 'Update a device',
      description: 'Setting `needsInspection: false` records an inspection and resets the false-alarm count.',
      responses: { 200: jsonResponse('Updated', DeviceSchema) },
      errors: ['NOT_FOUND', 'VALIDATION_FAILED', 'BAD_REQUEST'],
    }),
    managersOnly(),
    validate('param', IdParam),
    validate('json', UpdateDeviceBody),
    async (c) => {
      const body = c.req.valid('json');
      const [row] = await c.env.services.db
        .update(devices)
        .set({ ...body, ...(body.needsInspection === false ? { falseAlarmCount: 0 } : {}) })
        .where(and(eq(devices.id, c.req.valid('param').id), eq(devices.orgId, c.get('identity').orgId)))
        .returning();
      if (!row) throw notFound();
      return c.json(withIsoDates(row), 200);
    },
  )
  .delete(
    '/:id',
    describeStaffRoute({
      tags: ['devices'],
      summary: 'Remove a device',
      responses: { 204: { description: 'Removed' } },
      errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
    }),
    managersOnly(),
    validate('param', IdParam),
    async (c) => {
      const [row] = await c.env.services.db
        .delete(devices)
        .where(and(eq(devices.id, c.req.valid('param').id), eq(devices.orgId, c.get('identity').orgId)))
        .returning({ id: devices.id });
      if (!row) throw notFound();
      return c.body(null, 204);
    },
  );
