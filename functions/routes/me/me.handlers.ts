import { eq } from 'drizzle-orm';
import { organisations, staff } from '../../../db/schema';
import { handle } from '../../lib/handlers';
import { orgScope } from '../../lib/org-scope';
import { ApiError } from '../../lib/problem';
import * as routes from './me.routes';

export const get = handle(...routes.get, async (c) => {
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
      active: staff.active,
    })
    .from(staff)
    .innerJoin(organisations, eq(organisations.id, staff.orgId))
    .where(scope.where(staff, eq(staff.id, scope.identity.staffId)));
  // requireStaff refuses a deactivated account within STAFF_ACTIVE_TTL_MS (it remembers who is active); this
  // route reads the account anyway, so it refuses the token at once.
  if (!row?.active) throw new ApiError({ code: 'UNAUTHORIZED', detail: 'The account is no longer active' });
  const { active: _active, ...me } = row;
  return c.json(me, 200);
});
