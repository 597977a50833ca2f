import type postgres from 'postgres';
import { reportDbDiagnostic } from '../diagnostics';
import type { AlertSeverity, AlertStatus } from '../schema/alerts';
import { advanceLadder, policyFor } from './ladder';
import { jsonText, notify } from './notify';
import { retriggerAlert } from './retrigger';
import { allowAlertTransition, type SweepEvent, sweepTransition } from './state-machine';

export interface EscalationOutcome {
  alertId: string;
  /** The level the alert moved to, or null when the ladder is exhausted (the alert stays open, unescalated). */
  level: number | null;
  deliveries: number;
  /** True when the alert was acknowledged and its acknowledgement timed out: it re-triggered at `level`. */
  retriggered?: boolean;
}

/**
 * Moves every open alert whose step wait has run out to the next step of its organisation's ladder that names
 * someone: new pending deliveries for that step's staff, the next deadline, and a NOTIFY 'escalated'. An
 * acknowledged alert whose acknowledgement timed out (its `next_escalation_at`, set at acknowledgement) re-triggers
 * instead (see `retriggerAlert`).
 * Each due alert is escalated in a transaction of its own that locks it with FOR UPDATE SKIP LOCKED (re-checking
 * it is still due), so any number of nodes may run this at once: each due alert is escalated by exactly one of
 * them, and an acknowledgement (which locks the alert row) either happens before — the alert is no longer open —
 * or waits for this transaction and then stops the new deliveries. One alert's failure (bad data) rolls back only
 * its own transaction.
 *
 * Lock order (README "Delivery guarantees"): one alert, then its step's staff by id. A transaction escalating
 * several alerts would lock their staff sets one after another — out of id order across alerts — and two sweeps
 * could deadlock on them.
 */
export async function escalateDueAlerts(sql: postgres.Sql, nodeId: string, limit = 100): Promise<EscalationOutcome[]> {
  const candidates = await sql<{ id: string; orgId: string }[]>`
    select id, org_id as "orgId" from alerts
     where status <> 'resolved' and next_escalation_at <= now()
     order by next_escalation_at
     limit ${limit}`;
  const outcomes: EscalationOutcome[] = [];
  for (const { id, orgId } of candidates) {
    try {
      const outcome = await sql.begin(async (tx) => {
        const [alert] = await tx<DueAlert[]>`
          select id, org_id as "orgId", resident_id as "residentId", severity, status, escalation_level as level,
                 retrigger_count as retrigger
            from alerts
           where id = ${id} and status <> 'resolved' and next_escalation_at <= now()
             for update skip locked`;
        if (!alert) return null;
        const transition = sweepTransition(alert.status);
        return transition ? onSweep[transition.event](tx, alert, nodeId) : null;
      });
      if (outcome) outcomes.push(outcome as EscalationOutcome);
    } catch (error) {
      reportDbDiagnostic({
        level: 'error',
        scope: 'escalation',
        message: 'escalation of one alert failed; retried next sweep',
        fields: {
          alertId: id,
          orgId,
          error: (error as Error).message,
        },
      });
    }
  }
  return outcomes;
}

/** A due alert as the sweep locked it. */
export interface DueAlert {
  id: string;
  orgId: string;
  residentId: string;
  severity: AlertSeverity;
  status: AlertStatus;
  level: number;
  retrigger: number;
}

type SweepAction = (tx: postgres.TransactionSql, alert: DueAlert, nodeId: string) => Promise<EscalationOutcome>;

/** What the sweep does for each transition the state machine gives it. */
const onSweep: Record<SweepEvent, SweepAction> = {
  escalate: escalateAlert,
  retrigger: retriggerOnTimeout,
};

/** An acknowledgement left unresolved past its timeout: the alert re-triggers at its current level. */
async function retriggerOnTimeout(
  tx: postgres.TransactionSql,
  alert: DueAlert,
  nodeId: string,
): Promise<EscalationOutcome> {
  const policy = await policyFor(tx, alert.orgId, alert.severity);
  const rows = await retriggerAlert(
    tx,
    {
      alertId: alert.id,
      orgId: alert.orgId,
      residentId: alert.residentId,
      severity: alert.severity,
      level: alert.level,
      policy,
    },
    { cause: 'ack_timeout', nodeId },
  );
  return { alertId: alert.id, level: alert.level, deliveries: rows.length, retriggered: true };
}

/**
 * Moves an open alert (locked by the caller) to the next step of its ladder that names someone; when none does,
 * the ladder is exhausted: the alert stays open, unescalated, and says so. Refuses any other status
 * (ForbiddenTransition): an acknowledged alert only moves again by re-triggering.
 */
export async function escalateAlert(
  tx: postgres.TransactionSql,
  alert: DueAlert,
  nodeId: string,
): Promise<EscalationOutcome> {
  allowAlertTransition('escalate', alert.status);
  const policy = await policyFor(tx, alert.orgId, alert.severity);
  const step = await advanceLadder(
    tx,
    {
      alertId: alert.id,
      orgId: alert.orgId,
      residentId: alert.residentId,
      severity: alert.severity,
      policy,
      retrigger: alert.retrigger,
      nodeId,
    },
    { fromLevel: alert.level + 1, firstRoundOnly: false, change: 'escalated' },
  );
  if (step) return { alertId: alert.id, level: step.level, deliveries: step.deliveries.length };
  await notify(
    tx,
    { alertId: alert.id, change: 'escalated' },
    tx`next_escalation_at = null, updated_at = now(),
       details = details || ${jsonText({ escalation: 'ladder exhausted without acknowledgement' })}::text::jsonb`,
  );
  return { alertId: alert.id, level: null, deliveries: 0 };
}
