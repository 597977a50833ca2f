import { and, eq, ilike, sql } from 'drizzle-orm';
import { invalidateResidentProfiles } from '../../../core/cache/keys';
import { residentReadableBy } from '../../../db/queries/resident-access';
import { residents, sensorEvents } from '../../../db/schema';
import { createRouter } from '../../create-app';
import { auditStaffAction } from '../../lib/audit';
import { describeStaffRoute, jsonResponse } from '../../lib/openapi';
import { keyset, toPage } from '../../lib/pagination';
import { ApiError } from '../../lib/problem';
import { adminsOnly, anyStaff, managersOnly } from '../../lib/roles';
import { IdParam, likePattern } from '../../lib/schemas';
import { validate } from '../../lib/validate';
import { readResidentProfile, residentJson } from './resident-profile';
import {
  CreateResidentBody,
  EraseResultSchema,
  ListResidentsQuery,
  ResidentPageSchema,
  ResidentProfileSchema,
  ResidentSchema,
  UpdateResidentBody,
} from './residents.schemas';

const notFound = () => new ApiError({ code: 'NOT_FOUND', detail: 'No such resident' });
const sortColumns = { name: residents.name, createdAt: residents.createdAt } as const;

export const residentRoutes = createRouter()
  .get(
    '/',
    describeStaffRoute({
      tags: ['residents'],
      summary: 'List residents',
      description:
        'Admins and managers see every resident of their organisation; caregivers only those assigned to them.',
      responses: { 200: jsonResponse('A page of residents', ResidentPageSchema) },
      errors: ['VALIDATION_FAILED'],
    }),
    anyStaff(),
    validate('query', ListResidentsQuery),
    async (c) => {
      const query = c.req.valid('query');
      const { after, orderBy } = await keyset(
        c.env.services.db,
        { table: residents, sort: sortColumns[query.sort], id: residents.id, org: residents.orgId },
        c.get('identity').orgId,
        query,
      );
      const rows = await c.env.services.db
        .select()
        .from(residents)
        .where(
          and(
            residentReadableBy(c.get('identity')),
            query.status ? eq(residents.status, query.status) : undefined,
            query.q ? ilike(residents.name, likePattern(query.q)) : undefined,
            after,
          ),
        )
        .orderBy(...orderBy)
        .limit(query.limit + 1);
      const page = toPage(rows, query.limit);
      return c.json({ items: page.items.map(residentJson), nextCursor: page.nextCursor }, 200);
    },
  )
  .get(
    '/:id',
    describeStaffRoute({
      tags: ['residents'],
      summary: 'Resident profile',
      description:
        'The resident with assigned staff (by escalation order), unresolved alerts and cameras (with whether ' +
        'consent is recorded). Read-through cached (`x-cache: hit|miss`); every write that changes it, and every ' +
        'alert change, invalidates it; `lastActivityAt` may lag routine sensor batches by up to 30 s.',
      responses: { 200: jsonResponse('The profile', ResidentProfileSchema) },
      errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
    }),
    anyStaff(),
    validate('param', IdParam),
    async (c) => {
      const { db, cache } = c.env.services;
      const { profile, hit } = await readResidentProfile(db, cache, c.get('identity'), c.req.valid('param').id);
      if (!profile) throw notFound();
      c.header('x-cache', hit ? 'hit' : 'miss');
      return c.json(profile, 200);
    },
  )
  .post(
    '/',
    describeStaffRoute({
      tags: ['residents'],
      summary: 'Register a resident',
      responses: { 201: jsonResponse('Registered', ResidentSchema) },
      errors: ['VALIDATION_FAILED', 'BAD_REQUEST'],
    }),
    managersOnly(),
    validate('json', CreateResidentBody),
    async (c) => {
      const body = c.req.valid('json');
      const [row] = await c.env.services.db
        .insert(residents)
        .values({ ...body, orgId: c.get('identity').orgId })
        .returning();
      if (!row) throw new Error('resident insert returned nothing');
      return c.json(residentJson(row), 201);
    },
  )
  .patch(
    '/:id',
    describeStaffRoute({
      tags: ['residents'],
      summary: 'Update a resident',
      description: 'Only the fields sent change. Changing `presence` also restarts its clock.',
      responses: { 200: jsonResponse('Updated', ResidentSchema) },
      errors: ['NOT_FOUND', 'VALIDATION_FAILED', 'BAD_REQUEST'],
    }),
    managersOnly(),
    validate('param', IdParam),
    validate('json', UpdateResidentBody),
    async (c) => {
      const { id } = c.req.valid('param');
      const body = c.req.valid('json');
      const { orgId } = c.get('identity');
      const [row] = await c.env.services.db
        .update(residents)
        .set({ ...body, ...(body.presence ? { presenceChangedAt: new Date() } : {}) })
        .where(and(eq(residents.id, id), eq(residents.orgId, orgId)))
        .returning();
      if (!row) throw notFound();
      await invalidateResidentProfiles(c.env.services.cache, orgId, [id]);
      return c.json(residentJson(row), 200);
    },
  )
  .post(
    '/:id/discharge',
    describeStaffRoute({
      tags: ['residents'],
      summary: 'Unregister (discharge) a resident',
      description:
        'Marks the resident discharged and keeps every record (events, alerts, audit). Discharging twice is a 409.',
      responses: { 200: jsonResponse('Discharged', ResidentSchema) },
      errors: ['NOT_FOUND', 'CONFLICT', 'VALIDATION_FAILED'],
    }),
    managersOnly(),
    validate('param', IdParam),
    async (c) => {
      const { id } = c.req.valid('param');
      const identity = c.get('identity');
      const row = await c.env.services.db.transaction(async (tx) => {
        const [current] = await tx
          .select({ status: residents.status })
          .from(residents)
          .where(and(eq(residents.id, id), eq(residents.orgId, identity.orgId)))
          .for('update');
        if (!current) throw notFound();
        if (current.status === 'discharged') {
          throw new ApiError({ code: 'CONFLICT', detail: 'The resident is already discharged' });
        }
        const [updated] = await tx
          .update(residents)
          .set({ status: 'discharged', dischargedAt: new Date() })
          .where(eq(residents.id, id))
          .returning();
        await auditStaffAction(tx, identity, {
          action: 'resident.discharge',
          targetType: 'resident',
          targetId: id,
          ip: c.env.clientIp,
        });
        return updated;
      });
      if (!row) throw notFound();
      await invalidateResidentProfiles(c.env.services.cache, identity.orgId, [id]);
      return c.json(residentJson(row), 200);
    },
  )
  .delete(
    '/:id',
    describeStaffRoute({
      tags: ['residents'],
      summary: 'Erase a resident (admins only)',
      description:
        'Hard delete for a data-protection request: the resident, their sensor events, alerts, assignments and ' +
        'cameras are removed; hubs stay, unassigned. The audit log keeps who erased whom and when, nothing more.',
      responses: { 200: jsonResponse('Erased', EraseResultSchema) },
      errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
    }),
    adminsOnly(),
    validate('param', IdParam),
    async (c) => {
      const { id } = c.req.valid('param');
      const identity = c.get('identity');
      const sensorEventsDeleted = await c.env.services.db.transaction(async (tx) => {
        const [current] = await tx
          .select({ id: residents.id })
          .from(residents)
          .where(and(eq(residents.id, id), eq(residents.orgId, identity.orgId)))
          .for('update');
        if (!current) throw notFound();
        // sensor_events has no foreign keys (hypertable), so its rows are deleted explicitly.
        const [events] = await tx.execute<{ deleted: number }>(sql`
          with gone as (
            delete from ${sensorEvents}
             where ${sensorEvents.residentId} = ${id} and ${sensorEvents.orgId} = ${identity.orgId}
            returning 1)
          select count(*)::int as deleted from gone`);
        const deleted = events?.deleted ?? 0;
        await tx.delete(residents).where(eq(residents.id, id));
        await auditStaffAction(tx, identity, {
          action: 'resident.erase',
          targetType: 'resident',
          targetId: id,
          ip: c.env.clientIp,
          details: { sensorEventsDeleted: deleted },
        });
        return deleted;
      });
      await invalidateResidentProfiles(c.env.services.cache, identity.orgId, [id]);
      return c.json({ erased: true as const, sensorEventsDeleted }, 200);
    },
  );
