import { devices, hubs } from '../../../db/schema';
import type { AppContext } from '../../lib/context';
import { handle } from '../../lib/handlers';
import { equalWhereGiven } from '../../lib/list-filters';
import { withIsoDates } from '../../lib/org-references';
import { orgScope } from '../../lib/org-scope';
import { mapPage } from '../../lib/pagination';
import * as routes from './devices.routes';

const devicesOf = (c: AppContext) => orgScope(c).table(devices, 'device');

export const list = handle(...routes.list, async (c) => {
  const query = c.req.valid('query');
  const filters = equalWhereGiven(query, {
    hubId: devices.hubId,
    kind: devices.kind,
    needsInspection: devices.needsInspection,
  });
  const page = await devicesOf(c).page(query, devices.createdAt, filters);
  return c.json(mapPage(page, withIsoDates), 200);
});

export const get = handle(...routes.get, async (c) => {
  return c.json(withIsoDates(await devicesOf(c).get(c.req.valid('param').id)), 200);
});

export const create = handle(...routes.create, async (c) => {
  const body = c.req.valid('json');
  const scope = orgScope(c);
  await scope.assertOwns(hubs, body.hubId, 'hubId');
  return c.json(withIsoDates(await scope.table(devices, 'device').insert(body)), 201);
});

/** `needsInspection: false` records an inspection, which clears the false alarms that led to it. */
export const update = handle(...routes.update, async (c) => {
  const body = c.req.valid('json');
  const inspected = body.needsInspection === false ? { falseAlarmCount: 0 } : {};
  const row = await devicesOf(c).update(c.req.valid('param').id, { ...body, ...inspected });
  return c.json(withIsoDates(row), 200);
});

export const remove = handle(...routes.remove, async (c) => {
  await devicesOf(c).remove(c.req.valid('param').id);
  return c.body(null, 204);
});
