import { and, eq, getTableColumns, ne, sql } from 'drizzle-orm';
import { checkOutboundUrl } from '../../../core/net/outbound-url';
import { type PushSubscriptionRow, pushSubscriptions } from '../../../db/schema';
import { handle } from '../../lib/handlers';
import { withIsoDates } from '../../lib/org-references';
import { notFound, orgScope } from '../../lib/org-scope';
import { ApiError } from '../../lib/problem';
import * as routes from './push-subscriptions.routes';

function itemJson(row: PushSubscriptionRow) {
  const { id, endpoint, userAgent, createdAt, lastSuccessAt } = row;
  return withIsoDates({ id, endpoint, userAgent, createdAt, lastSuccessAt });
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
  const body = c.req.valid('json');
  const checked = checkOutboundUrl(body.endpoint, { allowPrivate: c.env.services.config.OUTBOUND_ALLOW_PRIVATE });
  if (!checked.ok) {
    throw new ApiError({
      code: 'VALIDATION_FAILED',
      detail: 'The push endpoint is not acceptable',
      errors: [{ field: 'body.endpoint', message: checked.detail }],
    });
  }
  await assertPublicKeyOnCurve(body.keys.p256dh);
  const scope = orgScope(c);
  const values = {
    orgId: scope.orgId,
    staffId: scope.identity.staffId,
    endpoint: checked.url.href,
    p256dh: body.keys.p256dh,
    auth: body.keys.auth,
    userAgent: body.userAgent ?? null,
  };
  const [row] = await c.env.services.db.transaction(async (tx) => {
    // A browser has one subscription; presenting its endpoint (a capability URL only that browser knows) makes it
    // the caller's. Another person's row is removed, not taken over: pushes still queued for them (their alerts, maybe
    // another organisation's) then lose their target and are cancelled instead of reaching the new owner's device.
    await tx
      .delete(pushSubscriptions)
      .where(and(eq(pushSubscriptions.endpoint, values.endpoint), ne(pushSubscriptions.staffId, values.staffId)));
    return tx
      .insert(pushSubscriptions)
      .values(values)
      .onConflictDoUpdate({
        target: pushSubscriptions.endpoint,
        set: { p256dh: values.p256dh, auth: values.auth, userAgent: values.userAgent, updatedAt: new Date() },
      })
      .returning({ ...getTableColumns(pushSubscriptions), created: sql<boolean>`xmax = 0` });
  });
  if (!row) throw new Error('push subscription upsert returned no row');
  const { created, ...stored } = row;
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

/** A p256dh the push library could never encrypt for is refused now, not at the first alert. */
async function assertPublicKeyOnCurve(p256dh: string): Promise<void> {
  const bytes = Uint8Array.from(atob(p256dh.replaceAll('-', '+').replaceAll('_', '/').replace(/=+$/, '')), (ch) =>
    ch.charCodeAt(0),
  );
  try {
    await crypto.subtle.importKey('raw', bytes, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  } catch {
    throw new ApiError({
      code: 'VALIDATION_FAILED',
      detail: 'The subscription keys are not usable',
      errors: [{ field: 'body.keys.p256dh', message: 'is not a point on the P-256 curve' }],
    });
  }
}
