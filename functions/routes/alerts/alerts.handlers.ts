import { eq, type SQL } from 'drizzle-orm';
import { acknowledgeDelivery } from '../../../db/alerts/acknowledge';
import { attemptsOfAlert } from '../../../db/alerts/channels/attempts-of-alert';
import { alertHistory } from '../../../db/alerts/history';
import { addAlertNote } from '../../../db/alerts/notes';
import { resolveAlert } from '../../../db/alerts/resolve';
import { type AlertRecord, alertRecordColumns, toAlertRecord } from '../../../db/alerts/snapshot';
import { retryTransactionOnce } from '../../../db/retry';
import { alerts } from '../../../db/schema';
import { API_NODE } from '../../lib/api-node';
import type { AppContext } from '../../lib/context';
import { handle } from '../../lib/handlers';
import { equalWhereGiven } from '../../lib/list-filters';
import { notFound, orgScope } from '../../lib/org-scope';
import { mapPage } from '../../lib/pagination';
import { ApiError } from '../../lib/problem';
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

export const get = handle(...routes.get, async (c) => c.json(await readableAlert(c, c.req.valid('param').id), 200));

export const attempts = handle(...routes.attempts, async (c) => {
  const { id } = c.req.valid('param');
  await readableAlert(c, id);
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

/** The alert as the caller may read it, or 404. */
async function readableAlert(c: AppContext, id: string) {
  const readable = orgScope(c).readableAlerts();
  return alertRecordWhere(c, readable.where(eq(alerts.id, id)));
}

/**
 * The alert after the caller acknowledged or resolved it: their delivery (or role) let them, so it is answered even
 * to someone told of it without being assigned (told because the ladder named nobody else).
 */
async function handledAlert(c: AppContext, id: string) {
  return alertRecordWhere(c, orgScope(c).where(alerts, eq(alerts.id, id)));
}

async function alertRecordWhere(c: AppContext, where: SQL | undefined) {
  const [row] = await c.env.services.db.select(alertRecordColumns).from(alerts).where(where);
  if (!row) throw notFound('alert');
  return toAlertRecord(row);
}

/** 409 with the alert as it is now: someone else's acknowledgement or resolution came first. */
function alreadyHandled(alert: AlertRecord, detail: string): ApiError {
  const { status, acknowledgedAt, acknowledgedBy, resolvedAt, resolvedBy, resolutionOutcome } = alert;
  return new ApiError({
    code: 'CONFLICT',
    detail,
    current: { status, acknowledgedAt, acknowledgedBy, resolvedAt, resolvedBy, resolutionOutcome },
  });
}

export const history = handle(...routes.history, async (c) => {
  const { id } = c.req.valid('param');
  const alert = await readableAlert(c, id);
  return c.json({ alert, ...(await alertHistory(c.env.services.sql, id)) }, 200);
});

export const acknowledge = handle(...routes.acknowledge, async (c) => {
  const { id } = c.req.valid('param');
  const identity = c.get('identity');
  const { sql } = c.env.services;
  // The caller's own delivery of this alert, an outstanding one first: the dashboard acknowledges exactly that.
  const [delivery] = await sql<{ id: string }[]>`
    select id from alert_deliveries
     where alert_id = ${id} and staff_id = ${identity.staffId} and org_id = ${identity.orgId}
     order by state in ('pending', 'sent', 'delivered') desc, pending_at desc
     limit 1`;
  if (!delivery) {
    await readableAlert(c, id);
    throw new ApiError({
      code: 'FORBIDDEN',
      detail:
        'Only staff told of this alert acknowledge it; it was not sent to you (managers and admins may resolve it)',
    });
  }
  const result = await retryTransactionOnce(() =>
    acknowledgeDelivery(sql, { ...identity, deliveryId: delivery.id, nodeId: API_NODE }),
  );
  if (result.outcome === 'unknown') throw notFound('alert');
  const alert = await handledAlert(c, id);
  if (result.outcome !== 'acknowledged') {
    throw alreadyHandled(alert, `The alert is ${alert.status} already; nothing changed`);
  }
  return c.json(alert, 200);
});

export const resolve = handle(...routes.resolve, async (c) => {
  const { id } = c.req.valid('param');
  const { outcome, note } = c.req.valid('json');
  const result = await retryTransactionOnce(() =>
    resolveAlert(c.env.services.sql, { alertId: id, identity: c.get('identity'), note, outcome, nodeId: API_NODE }),
  );
  if (result.outcome === 'unknown') throw notFound('alert');
  const alert = await handledAlert(c, id);
  if (result.outcome === 'already') throw alreadyHandled(alert, 'The alert is resolved already; nothing changed');
  return c.json(alert, 200);
});

export const addNote = handle(...routes.addNote, async (c) => {
  const { id } = c.req.valid('param');
  const note = await addAlertNote(c.env.services.sql, {
    alertId: id,
    identity: c.get('identity'),
    body: c.req.valid('json').body,
  });
  if (!note) throw notFound('alert');
  return c.json(note, 201);
});
