import { and, eq, inArray } from 'drizzle-orm';
import { staff } from '../../../db/schema';
import type { Executor } from '../../lib/org-scope';
import { ApiError } from '../../lib/problem';

/**
 * A 422 naming each id in `ids` that is not an active staff member of the organisation (the same answer whether
 * the person is missing or another organisation's); `field` is where the ids sit in the body.
 */
export async function assertActiveStaff(db: Executor, orgId: string, ids: string[], field: string): Promise<void> {
  const unique = [...new Set(ids)];
  const rows =
    unique.length === 0
      ? []
      : await db
          .select({ id: staff.id, active: staff.active })
          .from(staff)
          .where(and(eq(staff.orgId, orgId), inArray(staff.id, unique)));
  const known = new Map(rows.map((row) => [row.id, row.active]));
  const errors = ids.flatMap((id, index) => {
    const path = ids.length === 1 && !field.endsWith('Ids') ? `body.${field}` : `body.${field}.${index}`;
    const active = known.get(id);
    if (active === undefined) return [{ field: path, message: 'does not exist in your organisation' }];
    return active ? [] : [{ field: path, message: 'is deactivated' }];
  });
  if (errors.length > 0)
    throw new ApiError({ code: 'VALIDATION_FAILED', detail: 'The request body is invalid', errors });
}
