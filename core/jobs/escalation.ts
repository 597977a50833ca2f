import { type EscalationOutcome, escalateDueAlerts } from '../../db/alerts/escalate';
import type { Job } from './job';

/**
 * The escalation sweep as a job: alerts whose step wait ran out move up their ladder, acknowledged ones whose
 * acknowledgement timed out re-trigger. Every node may run it at once: each due alert is taken by one of them.
 * `nodeId` names the node in the history rows it writes.
 */
export function escalationJob(nodeId: string): Job<EscalationOutcome[]> {
  return {
    name: 'escalation',
    exclusivity: 'skip-locked',
    description: 'escalates alerts whose step wait ran out; re-triggers timed-out acknowledgements',
    run: (sql) => escalateDueAlerts(sql, nodeId),
  };
}
