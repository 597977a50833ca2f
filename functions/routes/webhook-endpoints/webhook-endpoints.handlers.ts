import { sql } from 'drizzle-orm';
import { checkOutboundUrl } from '../../../core/net/outbound-url';
import { endpointSecret } from '../../../core/notify/webhook-signature';
import { type WebhookEndpoint, webhookEndpoints } from '../../../db/schema';
import { auditStaffAction } from '../../lib/audit';
import type { AppContext } from '../../lib/context';
import { handle } from '../../lib/handlers';
import { withIsoDates } from '../../lib/org-references';
import { type Executor, orgScope } from '../../lib/org-scope';
import { mapPage } from '../../lib/pagination';
import { ApiError } from '../../lib/problem';
import * as routes from './webhook-endpoints.routes';

const sortColumns = { name: webhookEndpoints.name, createdAt: webhookEndpoints.createdAt } as const;
const endpointsOf = (c: AppContext, db?: Executor) => orgScope(c, db).table(webhookEndpoints, 'webhook endpoint');

const endpointJson = (row: WebhookEndpoint) => withIsoDates(row);

export const list = handle(...routes.list, async (c) => {
  const query = c.req.valid('query');
  const page = await endpointsOf(c).page(query, sortColumns[query.sort], []);
  return c.json(mapPage(page, endpointJson), 200);
});

export const get = handle(...routes.get, async (c) => {
  return c.json(endpointJson(await endpointsOf(c).get(c.req.valid('param').id)), 200);
});

export const create = handle(...routes.create, async (c) => {
  const body = c.req.valid('json');
  const signingKey = requireSigningKey(c);
  const url = acceptableUrl(c, body.url);
  const scope = orgScope(c);
  const row = await scope.table(webhookEndpoints, 'webhook endpoint').insert({ ...body, url });
  await auditStaffAction(scope.db, scope.identity, {
    action: 'webhook_endpoint.create',
    targetType: 'webhook_endpoint',
    targetId: row.id,
    ip: c.env.clientIp,
    details: { url },
  });
  return c.json(
    { endpoint: endpointJson(row), secret: await endpointSecret(signingKey, row.id, row.secretVersion) },
    201,
  );
});

export const update = handle(...routes.update, async (c) => {
  const body = c.req.valid('json');
  const changes = body.url === undefined ? body : { ...body, url: acceptableUrl(c, body.url) };
  const scope = orgScope(c);
  const { id } = c.req.valid('param');
  const row = await scope.table(webhookEndpoints, 'webhook endpoint').update(id, changes);
  await auditStaffAction(scope.db, scope.identity, {
    action: 'webhook_endpoint.update',
    targetType: 'webhook_endpoint',
    targetId: id,
    ip: c.env.clientIp,
    details: changes,
  });
  return c.json(endpointJson(row), 200);
});

export const rotateSecret = handle(...routes.rotateSecret, async (c) => {
  const { id } = c.req.valid('param');
  const signingKey = requireSigningKey(c);
  const row = await c.env.services.db.transaction(async (tx) => {
    const updated = await endpointsOf(c, tx).update(id, { secretVersion: sql`${webhookEndpoints.secretVersion} + 1` });
    await auditStaffAction(tx, c.get('identity'), {
      action: 'webhook_endpoint.rotate_secret',
      targetType: 'webhook_endpoint',
      targetId: id,
      ip: c.env.clientIp,
      details: { secretVersion: updated.secretVersion },
    });
    return updated;
  });
  return c.json(
    { endpoint: endpointJson(row), secret: await endpointSecret(signingKey, row.id, row.secretVersion) },
    200,
  );
});

export const remove = handle(...routes.remove, async (c) => {
  const { id } = c.req.valid('param');
  await endpointsOf(c).remove(id);
  await auditStaffAction(c.env.services.db, c.get('identity'), {
    action: 'webhook_endpoint.delete',
    targetType: 'webhook_endpoint',
    targetId: id,
    ip: c.env.clientIp,
  });
  return c.body(null, 204);
});

function requireSigningKey(c: AppContext): string {
  const key = c.env.services.config.INTEGRATION_SIGNING_KEY;
  if (!key)
    throw new ApiError({ code: 'UNAVAILABLE', detail: 'Webhooks are not configured (INTEGRATION_SIGNING_KEY)' });
  return key;
}

/** The URL as it will be called, or a 422 saying why it will not be (not https, private address, credentials…). */
function acceptableUrl(c: AppContext, raw: string): string {
  const checked = checkOutboundUrl(raw, { allowPrivate: c.env.services.config.OUTBOUND_ALLOW_PRIVATE });
  if (checked.ok) return checked.url.href;
  throw new ApiError({
    code: 'VALIDATION_FAILED',
    detail: 'The webhook URL is not acceptable',
    errors: [{ field: 'body.url', message: checked.detail }],
  });
}
