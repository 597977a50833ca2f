import { assignments, residents, staff } from '../../../db/schema';
import type { AppContext } from '../../lib/context';
import { handle } from '../../lib/handlers';
import { equalWhereGiven } from '../../lib/list-filters';
import { withIsoDates } from '../../lib/org-references';
import { orgScope } from '../../lib/org-scope';
import { mapPage } from '../../lib/pagination';
import { invalidateProfiles } from '../../lib/profile-cache';
import * as routes from './assignments.routes';

const sortColumns = { escalationOrder: assignments.escalationOrder, createdAt: assignments.createdAt } as const;
const assignmentsOf = (c: AppContext) => orgScope(c).table(assignments, 'assignment');

export const list = handle(...routes.list, async (c) => {
  const query = c.req.valid('query');
  const filters = equalWhereGiven(query, { staffId: assignments.staffId, residentId: assignments.residentId });
  const page = await assignmentsOf(c).page(query, sortColumns[query.sort], filters);
  return c.json(mapPage(page, withIsoDates), 200);
});

export const get = handle(...routes.get, async (c) => {
  return c.json(withIsoDates(await assignmentsOf(c).get(c.req.valid('param').id)), 200);
});

export const create = handle(...routes.create, async (c) => {
  const body = c.req.valid('json');
  const scope = orgScope(c);
  await scope.assertOwns(staff, body.staffId, 'staffId');
  await scope.assertOwns(residents, body.residentId, 'residentId');
  const row = await scope
    .table(assignments, 'assignment')
    .insert(body, { conflict: 'This staff member is already assigned to this resident' });
  await invalidateProfiles(c, [row.residentId]);
  return c.json(withIsoDates(row), 201);
});

export const update = handle(...routes.update, async (c) => {
  const row = await assignmentsOf(c).update(c.req.valid('param').id, c.req.valid('json'));
  await invalidateProfiles(c, [row.residentId]);
  return c.json(withIsoDates(row), 200);
});

export const remove = handle(...routes.remove, async (c) => {
  const row = await assignmentsOf(c).remove(c.req.valid('param').id);
  await invalidateProfiles(c, [row.residentId]);
  return c.body(null, 204);
});
