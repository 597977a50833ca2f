import { eq } from 'drizzle-orm';
import * as v from 'valibot';
import { staffRoles } from '../../../core/auth/access-token';
import { organisations, staff } from '../../../db/schema';
import { createRouter } from '../../create-app';
import { describeStaffRoute, jsonResponse } from '../../lib/openapi';
import { ApiError } from '../../lib/problem';
import { anyStaff } from '../../lib/roles';
import { Uuid } from '../../lib/schemas';

export const MeSchema = v.pipe(
  v.object({
    id: Uuid,
    orgId: Uuid,
    organisationName: v.string(),
    name: v.string(),
    email: v.string(),
    phone: v.nullable(v.string()),
    role: v.picklist(staffRoles),
  }),
  v.metadata({ ref: 'Me' }),
);

export const meRoutes = createRouter().get(
  '/',
  describeStaffRoute({
    tags: ['auth'],
    summary: 'The calling staff member',
    responses: { 200: jsonResponse('Who the access token belongs to', MeSchema) },
  }),
  anyStaff(),
  async (c) => {
    const { staffId } = c.get('identity');
    const [row] = await c.env.services.db
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
      .where(eq(staff.id, staffId));
    // requireStaff refuses a deactivated account within STAFF_ACTIVE_TTL_MS (it remembers who is active); this
    // route reads the account anyway, so it refuses the token at once.
    if (!row?.active) throw new ApiError({ code: 'UNAUTHORIZED', detail: 'The account is no longer active' });
    const { active: _active, ...me } = row;
    return c.json(me, 200);
  },
);
