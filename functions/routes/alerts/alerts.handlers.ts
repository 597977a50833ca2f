import { eq } from 'drizzle-orm';
import { attemptsOfAlert } from '../../../db/alerts/channels/attempts-of-alert';
import { alertRecordColumns, toAlertRecord } from '../../../db/alerts/snapshot';
import { alerts } from '../../../db/schema';
import { handle } from '../../lib/handlers';
import { equalWhereGiven } from '../../lib/list-filters';
import { notFound, orgScope } from '../../lib/org-scope';
import { mapPage } from '../../lib/pagination';
import * as routes from './alerts.routes';

export const list = handle(...routes.list, async (c) => {
  const query = c.req.valid('query');
  const readable = orgScope(c).readableAlerts();
  const filters = equalWhereGiven(query, {
    status: alerts.status,
    severity: alerts.severity,
    kind: alerts.kind,
    residentId: alerts.residentId,
  });
  const page = await readable.pageWith(query, alerts.openedAt, ({ after, orderBy, limit }) =>
    readable.scope.db
      .select(alertRecordColumns)
      .from(alerts)
      .where(readable.where(...filters, after))
      .orderBy(...orderBy)
      .limit(limit),
  );
  return c.json(mapPage(page, toAlertRecord), 200);
});

export const get = handle(...routes.get, async (c) => {
  const readable = orgScope(c).readableAlerts();
  const [row] = await readable.scope.db
    .select(alertRecordColumns)
    .from(alerts)
    .where(readable.where(eq(alerts.id, c.req.valid('param').id)));
  if (!row) throw notFound('alert');
  return c.json(toAlertRecord(row), 200);
});

export const attempts = handle(...routes.attempts, async (c) => {
  const readable = orgScope(c).readableAlerts();
  const { id } = c.req.valid('param');
  const [row] = await readable.scope.db
    .select({ id: alerts.id })
    .from(alerts)
    .where(readable.where(eq(alerts.id, id)));
  if (!row) throw notFound('alert');
  const deliveries = await attemptsOfAlert(c.env.services.sql, id);
  const iso = (value: Date | string | null) => (value === null ? null : new Date(value).toISOString());
  return c.json(
    {
      alertId: id,
      deliveries: deliveries.map((delivery) => ({
        ...delivery,
        createdAt: new Date(delivery.createdAt).toISOString(),
        deliveredAt: iso(delivery.deliveredAt),
        acknowledgedAt: iso(delivery.acknowledgedAt),
        attempts: delivery.attempts.map((attempt) => ({
          ...attempt,
          dueAt: iso(attempt.dueAt),
          updatedAt: new Date(attempt.updatedAt).toISOString(),
        })),
      })),
    },
    200,
  );
});
