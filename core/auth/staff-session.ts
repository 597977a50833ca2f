import type { Sql } from '../../db/client';
import { type StaffIdentity, verifyAccessToken } from './access-token';
import { stillActiveStaff } from './staff-active';

/**
 * Verifies an access token (signature, algorithm, expiry) and asks the database whether its staff member is still
 * active (`stillActiveStaff`). Null for anything else. For a connection made once and kept (the WebSocket); the
 * HTTP API asks through `ActiveStaffMemo` instead, without a round trip per request.
 */
export async function authenticate(sql: Sql, token: string, secret: string): Promise<StaffIdentity | null> {
  const identity = await verifyAccessToken(token, secret);
  if (!identity) return null;
  const active = await stillActiveStaff(sql, [identity]);
  return active.has(identity.staffId) ? identity : null;
}
