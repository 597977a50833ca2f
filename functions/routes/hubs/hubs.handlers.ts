import { generateHubKey } from '../../../core/auth/hub-key';
import { type Hub, hubs, residents } from '../../../db/schema';
import { auditStaffAction } from '../../lib/audit';
import type { AppContext } from '../../lib/context';
import { handle } from '../../lib/handlers';
import { equalWhereGiven } from '../../lib/list-filters';
import { withIsoDates } from '../../lib/org-references';
import { type Executor, orgScope } from '../../lib/org-scope';
import { mapPage } from '../../lib/pagination';
import * as routes from './hubs.routes';

const sortColumns = { name: hubs.name, createdAt: hubs.createdAt } as const;
const hubsOf = (c: AppContext, db?: Executor) => orgScope(c, db).table(hubs, 'hub');

/** The public shape: never the key hash. */
function hubJson(row: Hub) {
  const { apiKeyHash: _hash, ...rest } = row;
  return withIsoDates(rest);
}

export const list = handle(...routes.list, async (c) => {
  const query = c.req.valid('query');
  const filters = equalWhereGiven(query, { residentId: hubs.residentId });
  const page = await hubsOf(c).page(query, sortColumns[query.sort], filters);
  return c.json(mapPage(page, hubJson), 200);
});

export const get = handle(...routes.get, async (c) => {
  return c.json(hubJson(await hubsOf(c).get(c.req.valid('param').id)), 200);
});

export const create = handle(...routes.create, async (c) => {
  const body = c.req.valid('json');
  const scope = orgScope(c);
  if (body.residentId) await scope.assertOwns(residents, body.residentId, 'residentId');
  const key = await generateHubKey();
  const row = await scope.table(hubs, 'hub').insert({ ...body, apiKeyPrefix: key.prefix, apiKeyHash: key.hash });
  await auditStaffAction(scope.db, scope.identity, {
    action: 'hub.create',
    targetType: 'hub',
    targetId: row.id,
    ip: c.env.clientIp,
    details: { apiKeyPrefix: key.prefix },
  });
  return c.json({ hub: hubJson(row), apiKey: key.key }, 201);
});

export const update = handle(...routes.update, async (c) => {
  const body = c.req.valid('json');
  const scope = orgScope(c);
  if (body.residentId) await scope.assertOwns(residents, body.residentId, 'residentId');
  const row = await scope.table(hubs, 'hub').update(c.req.valid('param').id, body);
  return c.json(hubJson(row), 200);
});

export const rotateKey = handle(...routes.rotateKey, async (c) => {
  const { id } = c.req.valid('param');
  const key = await generateHubKey();
  const row = await c.env.services.db.transaction(async (tx) => {
    const updated = await hubsOf(c, tx).update(id, { apiKeyPrefix: key.prefix, apiKeyHash: key.hash });
    await auditStaffAction(tx, c.get('identity'), {
      action: 'hub.rotate_key',
      targetType: 'hub',
      targetId: id,
      ip: c.env.clientIp,
      details: { apiKeyPrefix: key.prefix },
    });
    return updated;
  });
  return c.json({ hub: hubJson(row), apiKey: key.key }, 200);
});

export const remove = handle(...routes.remove, async (c) => {
  const { id } = c.req.valid('param');
  await hubsOf(c).remove(id);
  await auditStaffAction(c.env.services.db, c.get('identity'), {
    action: 'hub.delete',
    targetType: 'hub',
    targetId: id,
    ip: c.env.clientIp,
  });
  return c.body(null, 204);
});
