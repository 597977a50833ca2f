import type { Sql } from '../../db/client';
import { type StaffIdentity, verifyAccessToken } from './access-token';

/**
 * Verifies an access token (signature, algorithm, expiry) and that its staff member still exists, is active
 * and belongs to the token's organisation. Null for anything else.
 */
export async function authenticate(sql: Sql, token: string, secret: string): Promise<StaffIdentity | null> {
  const identity = await verifyAccessToken(token, secret);
  if (!identity) return null;
  const rows = await sql`
    select 1 from staff where id = ${identity.staffId} and org_id = ${identity.orgId} and active`;
  return rows.length > 0 ? identity : null;
}
