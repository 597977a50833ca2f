import { eq, gt } from 'drizzle-orm';
import { type OnCallOverride, onCallOverrides, staff } from '../../../db/schema';
import { auditStaffAction } from '../../lib/audit';
import type { AppContext } from '../../lib/context';
import { handle } from '../../lib/handlers';
import { withIsoDates } from '../../lib/org-references';
import { type Executor, orgScope } from '../../lib/org-scope';
import { mapPage } from '../../lib/pagination';
import * as routes from './overrides.routes';
import { assertActiveStaff } from './participants';
import { teamOf } from './team-of';

const sortColumns = { startsAt: onCallOverrides.startsAt, createdAt: onCallOverrides.createdAt } as const;
const overridesOf = (c: AppContext, db?: Executor) => orgScope(c, db).table(onCallOverrides, 'override of this team');

const overrideJson = (row: OnCallOverride) => withIsoDates(row);

export const list = handle(...routes.list, async (c) => {
  const { id } = c.req.valid('param');
  const query = c.req.valid('query');
  await teamOf(c, c.env.services.db, id);
  const endsAfter = query.endsAfter ? new Date(query.endsAfter) : new Date();
  const page = await overridesOf(c).page(query, sortColumns[query.sort], [
    eq(onCallOverrides.teamId, id),
    gt(onCallOverrides.endsAt, endsAfter),
  ]);
  return c.json(mapPage(page, overrideJson), 200);
});

export const create = handle(...routes.create, async (c) => {
  const { id } = c.req.valid('param');
  const body = c.req.valid('json');
  const identity = c.get('identity');
  const row = await c.env.services.db.transaction(async (tx) => {
    const team = await teamOf(c, tx, id);
    await assertActiveStaff(tx, team.orgId, [body.staffId], 'staffId');
    if (body.replacesStaffId) {
      // The person stood in for may have been deactivated since; they need only be of the organisation.
      await orgScope(c, tx).assertOwns(staff, body.replacesStaffId, 'replacesStaffId');
    }
    const inserted = await overridesOf(c, tx).insert({
      teamId: id,
      staffId: body.staffId,
      replacesStaffId: body.replacesStaffId,
      startsAt: new Date(body.startsAt),
      endsAt: new Date(body.endsAt),
      reason: body.reason,
      createdBy: identity.staffId,
    });
    await auditStaffAction(tx, identity, {
      action: 'on_call_override.create',
      targetType: 'team',
      targetId: id,
      ip: c.env.clientIp,
      details: { overrideId: inserted.id, after: body },
    });
    return inserted;
  });
  return c.json(overrideJson(row), 201);
});

export const remove = handle(...routes.remove, async (c) => {
  const { id, overrideId } = c.req.valid('param');
  await c.env.services.db.transaction(async (tx) => {
    const overrides = overridesOf(c, tx);
    const before = await overrides.get(overrideId, { where: eq(onCallOverrides.teamId, id), forUpdate: true });
    await overrides.remove(overrideId);
    await auditStaffAction(tx, c.get('identity'), {
      action: 'on_call_override.delete',
      targetType: 'team',
      targetId: id,
      ip: c.env.clientIp,
      details: { overrideId, before: overrideJson(before) },
    });
  });
  return c.body(null, 204);
});
