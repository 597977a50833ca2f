import { type AcknowledgeResult, acknowledgeDelivery } from '../../db/alerts/acknowledge';
import type { ReportedAttempt } from '../../db/alerts/channels/attempt-reports';
import type { Services } from '../services';
import type { ApiError } from './problem';

/**
 * An acknowledgement that comes through a channel attempt (a push's button, an integration's callback) rather than
 * from a signed-in session: the attempt's staff member must still be active (else `inactive()` is thrown), then it is
 * the dashboard's acknowledgement, with the attempt marked delivered (and its single-use token spent, for a push).
 */
export async function acknowledgeThroughAttempt(
  services: Pick<Services, 'sql' | 'activeStaff'>,
  attempt: ReportedAttempt,
  input: { nodeId: string; detail: string; spendActionToken: boolean; inactive: () => ApiError },
): Promise<AcknowledgeResult> {
  const { sql, activeStaff } = services;
  const member = { staffId: attempt.staffId, orgId: attempt.orgId };
  if (!(activeStaff.known(member) ?? (await activeStaff.check(sql, member)))) throw input.inactive();
  return acknowledgeDelivery(sql, {
    deliveryId: attempt.deliveryId,
    staffId: attempt.staffId,
    orgId: attempt.orgId,
    nodeId: input.nodeId,
    via: { attemptId: attempt.id, spendActionToken: input.spendActionToken, detail: input.detail },
  });
}
