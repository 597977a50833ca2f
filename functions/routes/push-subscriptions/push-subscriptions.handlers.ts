import { and, eq, getTableColumns, ne, sql } from 'drizzle-orm';
import { queueWaitingPushes } from '../../../db/alerts/channels/queue-waiting-pushes';
import { type PushSubscriptionRow, pushSubscriptions } from '../../../db/schema';
import { handle } from '../../lib/handlers';
import { withIsoDates } from '../../lib/org-references';
import { notFound, orgScope } from '../../lib/org-scope';
import { acceptableSubscription } from './acceptable-subscription';
import * as routes from './push-subscriptions.routes';

function itemJson(row: PushSubscriptionRow) {
  const { id, endpoint, userAgent, createdAt, lastSuccessAt, goneAt } = row;
  return withIsoDates({ id, endpoint, userAgent, createdAt, lastSuccessAt, goneAt });
}

export const list = handle(...routes.list, async (c) => {
  const scope = orgScope(c);
  const rows = await scope.db
    .select()
    .from(pushSubscriptions)
    .where(scope.where(pushSubscriptions, eq(pushSubscriptions.staffId, scope.identity.staffId)))
    .orderBy(pushSubscriptions.createdAt);
  return c.json({ items: rows.map(itemJson) }, 200);
});

export const create = handle(...routes.create, async (c) => {
  const accepted = await acceptableSubscription(c, c.req.valid('json'), 'body');
  const scope = orgScope(c);
  const values = { orgId: scope.orgId, staffId: scope.identity.staffId, ...accepted };
  const upsert = () =>
    c.env.services.db.transaction(async (tx) => {
      // A browser has one subscription; presenting its endpoint (a capability URL only that browser knows) makes it
      // the caller's. Another person's row is removed, not taken over: pushes still queued for them (their alerts,
      // maybe another organisation's) then lose their target and are cancelled instead of reaching the new owner's
      // device.
      await tx
        .delete(pushSubscriptions)
        .where(and(eq(pushSubscriptions.endpoint, values.endpoint), ne(pushSubscriptions.staffId, values.staffId)));
      return tx
        .insert(pushSubscriptions)
        .values(values)
        .onConflictDoUpdate({
          target: pushSubscriptions.endpoint,
          // Subscribing again puts a subscription its push service had called gone back in use.
          set: {
            p256dh: values.p256dh,
            auth: values.auth,
            userAgent: values.userAgent,
            goneAt: null,
            updatedAt: new Date(),
          },
          // Only the caller's own row: another person's that committed after the delete above (a subscription moved
          // onto this endpoint meanwhile) is never updated into the caller's.
          setWhere: eq(pushSubscriptions.staffId, values.staffId),
        })
        .returning({ ...getTableColumns(pushSubscriptions), created: sql<boolean>`xmax = 0` });
    });
  // Nothing back: that other person's row was there; once more, and the delete now sees it.
  const first = await upsert();
  const [row] = first.length > 0 ? first : await upsert();
  if (!row) throw new Error('push subscription upsert returned no row');
  const { created, ...stored } = row;
  // The subscription is committed: a failure here leaves the waiting alerts off this device (the dashboard and the
  // escalation go on), never the subscription itself.
  await queueWaitingPushes(c.env.services.sql, { orgId: scope.orgId, staffId: values.staffId, to: row.id }).catch(
    (error: unknown) =>
      c.env.services.logger.error('queueing the waiting alerts for a new subscription failed', {
        requestId: c.get('requestId'),
        error: (error as Error).message,
      }),
  );
  return created ? c.json(itemJson(stored), 201) : c.json(itemJson(stored), 200);
});

export const remove = handle(...routes.remove, async (c) => {
  const scope = orgScope(c);
  const removed = await scope.db
    .delete(pushSubscriptions)
    .where(
      scope.where(
        pushSubscriptions,
        and(eq(pushSubscriptions.id, c.req.valid('param').id), eq(pushSubscriptions.staffId, scope.identity.staffId)),
      ),
    )
    .returning({ id: pushSubscriptions.id });
  if (removed.length === 0) throw notFound('push subscription');
  return c.body(null, 204);
});
