import type { StaffIdentity } from '../../core/auth/access-token';
import type { Database } from '../../db/client';
import { auditLog } from '../../db/schema';

type Writer = Pick<Database, 'insert'>;

/** One audit_log row for a staff action; details must not repeat personal data the action removed. */
export async function auditStaffAction(
  db: Writer,
  identity: StaffIdentity,
  entry: { action: string; targetType: string; targetId: string; ip?: string; details?: Record<string, unknown> },
): Promise<void> {
  await db.insert(auditLog).values({
    orgId: identity.orgId,
    actorType: 'staff',
    actorId: identity.staffId,
    action: entry.action,
    targetType: entry.targetType,
    targetId: entry.targetId,
    ip: entry.ip && /^[0-9a-f.:]+$/i.test(entry.ip) ? entry.ip : null,
    details: entry.details ?? {},
  });
}
