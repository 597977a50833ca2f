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
  // A deactivated account's access token stays valid elsewhere until it expires (≤ 15 min: no route reads the
  // account per request); this route reads it anyway, so it refuses the token.
  if (!row?.active) throw new ApiError({ code: 'UNAUTHORIZED', detail: 'The account is no longer active' });
  const { active: _active, ...me } = row;
  return c.json(me, 200);
});
