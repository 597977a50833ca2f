import { and, eq, type SQL, sql as sqlTag } from 'drizzle-orm';
import type postgres from 'postgres';
import type { Actor } from '../actor';
import { assignments, residents } from '../schema';

/**
 * The one rule for who may read a resident: admins and managers see every resident of their organisation;
 * a caregiver sees only residents assigned to them. Anything else — another organisation included — is
 * indistinguishable from "does not exist" (callers answer 404).
 */
export async function canReadResident(sql: postgres.Sql, identity: Actor, residentId: string): Promise<boolean> {
  const rows = await sql`
    select 1 from residents r
     where r.id = ${residentId} and r.org_id = ${identity.orgId}
       and (${identity.role} <> 'caregiver'
            or exists (select 1 from assignments a where a.resident_id = r.id and a.staff_id = ${identity.staffId}))`;
  return rows.length > 0;
}

/**
 * SQL fragment restricting a query aliased `r` (residents) to what the caller may read; for list queries.
 * Usage: sql`select … from residents r where ${readableResidents(sql, identity)}`.
 */
export function readableResidents(sql: postgres.Sql, identity: Actor) {
  return sql`r.org_id = ${identity.orgId} and (${identity.role} <> 'caregiver'
    or exists (select 1 from assignments a where a.resident_id = r.id and a.staff_id = ${identity.staffId}))`;
}

/** The same rule as a drizzle condition on the `residents` table, for drizzle list queries. */
export function residentReadableBy(identity: Actor): SQL {
  const sameOrg = eq(residents.orgId, identity.orgId);
  if (identity.role !== 'caregiver') return sameOrg;
  const assigned = sqlTag`exists (select 1 from ${assignments}
    where ${assignments.residentId} = ${residents.id} and ${assignments.staffId} = ${identity.staffId})`;
  return and(sameOrg, assigned) as SQL;
}

/** The same rule over data already loaded (a cached resident profile), so a cache hit needs no query. */
export function canReadLoadedResident(
  identity: Actor,
  resident: { orgId: string; assignedStaffIds: readonly string[] },
): boolean {
  if (resident.orgId !== identity.orgId) return false;
  return identity.role !== 'caregiver' || resident.assignedStaffIds.includes(identity.staffId);
}
