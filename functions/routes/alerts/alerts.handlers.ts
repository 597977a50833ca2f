import { and, eq, inArray } from 'drizzle-orm';
import type { StaffIdentity } from '../../../core/auth/access-token';
import type { Database } from '../../../db/client';
import { residentReadableBy } from '../../../db/queries/resident-access';
import { alerts, residents } from '../../../db/schema';
import { createRouter } from '../../create-app';
import { describeStaffRoute, jsonResponse } from '../../lib/openapi';
import { keyset, toPage } from '../../lib/pagination';
import { ApiError } from '../../lib/problem';
import { anyStaff } from '../../lib/roles';
import { IdParam } from '../../lib/schemas';
import { validate } from '../../lib/validate';
import { AlertPageSchema, AlertSchema, ListAlertsQuery } from './alerts.schemas';

const alertColumns = {
  id: alerts.id,
  orgId: alerts.orgId,
  residentId: alerts.residentId,
  hubId: alerts.hubId,
  deviceId: alerts.deviceId,
  kind: alerts.kind,
  severity: alerts.severity,
  status: alerts.status,
  title: alerts.title,
  details: alerts.details,
  eventCount: alerts.eventCount,
  lastEventAt: alerts.lastEventAt,
  openedAt: alerts.openedAt,
  acknowledgedAt: alerts.acknowledgedAt,
  acknowledgedBy: alerts.acknowledgedBy,
  resolvedAt: alerts.resolvedAt,
  resolvedBy: alerts.resolvedBy,
  resolutionNote: alerts.resolutionNote,
  escalationLevel: alerts.escalationLevel,
  nextEscalationAt: alerts.nextEscalationAt,
};

/** Alerts of residents the caller may read: the resident read rule, applied through the alert's resident. */
function readableAlerts(db: Database, identity: StaffIdentity) {
  return and(
    eq(alerts.orgId, identity.orgId),
    inArray(alerts.residentId, db.select({ id: residents.id }).from(residents).where(residentReadableBy(identity))),
  );
}

function alertJson(row: { [K in keyof typeof alertColumns]: (typeof alerts.$inferSelect)[K] }) {
  return {
    ...row,
    lastEventAt: row.lastEventAt.toISOString(),
    openedAt: row.openedAt.toISOString(),
    acknowledgedAt: row.acknowledgedAt?.toISOString() ?? null,
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    nextEscalationAt: row.nextEscalationAt?.toISOString() ?? null,
  };
}

export const alertRoutes = createRouter()
  .get(
    '/',
    describeStaffRoute({
      tags: ['alerts'],
      summary: 'List alerts',
      description: 'Newest first by default. Caregivers see alerts of residents assigned to them only.',
      responses: { 200: jsonResponse('A page of alerts', AlertPageSchema) },
      errors: ['VALIDATION_FAILED'],
    }),
    anyStaff(),
    validate('query', ListAlertsQuery),
    async (c) => {
      const query = c.req.valid('query');
      const { db } = c.env.services;
      const { after, orderBy } = await keyset(
        db,
        { table: alerts, sort: alerts.openedAt, id: alerts.id, org: alerts.orgId },
        c.get('identity').orgId,
        query,
      );
      const rows = await db
        .select(alertColumns)
        .from(alerts)
        .where(
          and(
            readableAlerts(db, c.get('identity')),
            query.status ? eq(alerts.status, query.status) : undefined,
            query.severity ? eq(alerts.severity, query.severity) : undefined,
            query.kind ? eq(alerts.kind, query.kind) : undefined,
            query.residentId ? eq(alerts.residentId, query.residentId) : undefined,
            after,
          ),
        )
        .orderBy(...orderBy)
        .limit(query.limit + 1);
      const page = toPage(rows, query.limit);
      return c.json({ items: page.items.map(alertJson), nextCursor: page.nextCursor }, 200);
    },
  )
  .get(
    '/:id',
    describeStaffRoute({
      tags: ['alerts'],
      summary: 'One alert',
      responses: { 200: jsonResponse('The alert', AlertSchema) },
      errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
    }),
    anyStaff(),
    validate('param', IdParam),
    async (c) => {
      const { db } = c.env.services;
      const [row] = await db
        .select(alertColumns)
        .from(alerts)
        .where(and(eq(alerts.id, c.req.valid('param').id), readableAlerts(db, c.get('identity'))));
      if (!row) throw new ApiError({ code: 'NOT_FOUND', detail: 'No such alert' });
      return c.json(alertJson(row), 200);
    },
  );
