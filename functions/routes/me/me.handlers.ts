import { eq } from 'drizzle-orm';
import { organisations, staff } from '../../../db/schema';
import type { AppContext } from '../../lib/context';
import { handle } from '../../lib/handlers';
import { orgScope } from '../../lib/org-scope';
import { ApiError } from '../../lib/problem';
import * as routes from './me.routes';

export const get = handle(...routes.get, async (c) => c.json(await me(c), 200));

export const update = handle(...routes.update, async (c) => {
  const scope = orgScope(c);
  await scope.db
    .update(staff)
    .set({ language: c.req.valid('json').language })
    .where(scope.where(staff, eq(staff.id, scope.identity.staffId)));
  return c.json(await me(c), 200);
});

async function me(c: AppContext) {
  const scope = orgScope(c);
  const [row] = await scope.db
    .select({
      id: staff.id,
      orgId: staff.orgId,
      organisationName: organisations.name,
      name: staff.name,
      email: staff.email,
      phone: staff.phone,
      role: staff.role,
      language: staff.language,
      active: staff.active,
    })
    .from(staff)
    .innerJoin(organisations, eq(organisations.id, staff.orgId))
    .where(scope.where(staff, eq(staff.id, scope.identity.staffId)));
  // requireStaff refuses a deactivated account within STAFF_ACTIVE_TTL_MS (it remembers who is active); this
  // route reads the account anyway, so it refuses the token at once.
  if (!row?.active) throw new ApiError({ code: 'UNAUTHORIZED', detail: 'The account is no longer active' });
  const { active: _active, ...me } = row;
  return me;
}
