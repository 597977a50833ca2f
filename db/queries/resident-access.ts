import type postgres from 'postgres';
import type { StaffIdentity } from '../../functions/auth/access-token';

/**
 * The one rule for who may read a resident: admins and managers see every resident of their organisation;
 * a caregiver sees only residents assigned to them. Anything else — another organisation included — is
 * indistinguishable from "does not exist" (callers answer 404).
 */
export async function canReadResident(
  sql: postgres.Sql,
  identity: StaffIdentity,
  residentId: string,
): Promise<boolean> {
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
export function readableResidents(sql: postgres.Sql, identity: StaffIdentity) {
  return sql`r.org_id = ${identity.orgId} and (${identity.role} <> 'caregiver'
    or exists (select 1 from assignments a where a.resident_id = r.id and a.staff_id = ${identity.staffId}))`;
}
