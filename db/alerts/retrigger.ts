import type postgres from 'postgres';
import { scheduleOnce } from '../on-call/load';
import type { AlertSeverity, AlertStatus, RetriggerCause } from '../schema/alerts';
import type { NewDeliveryRow } from './channel';
import { createDeliveries } from './deliveries';
import type { EscalationPolicy } from './escalation-policy';
import { positionOnLadder, staffForStep, withoutOffShift } from './escalation-targets';
import { whenNobodyOnTheLadder } from './ladder';
import { notify } from './notify';
import { ForbiddenTransition, fromStatuses } from './state-machine';

type Tx = postgres.TransactionSql;

export interface AlertToRetrigger {
  alertId: string;
  orgId: string;
  residentId: string;
  severity: AlertSeverity;
  /** The alert's current escalation level: its step's staff are told again. */
  level: number;
  policy: EscalationPolicy;
}

/**
 * Puts an acknowledged, unresolved alert back to `open`, as a new emergency does (cause `new_event`) and an
 * acknowledgement left unresolved past its organisation's timeout does (`ack_timeout`). The caller holds the alert
 * row's lock. In this transaction:
 * - a row in `alert_retriggers` records the cause and the acknowledgement being replaced; the alert's
 *   `acknowledged_at/by` are cleared (the acknowledged delivery keeps its state and history);
 * - new pending deliveries (the alert's next `retrigger` number) for the staff of its current step and for whoever
 *   acknowledged it — or, when that is nobody, for those an alert with an empty ladder goes to;
 * - escalation restarts from the current step (`next_escalation_at` = now + the step's wait);
 * - NOTIFY 'retriggered' carrying the deliveries: dashboards get a fresh `alert` frame (and so an alarm), and
 *   everyone told earlier an `alert.updated`.
 */
export async function retriggerAlert(
  tx: Tx,
  alert: AlertToRetrigger,
  why: { cause: RetriggerCause; sourceEventId?: string | null; nodeId?: string },
): Promise<NewDeliveryRow[]> {
  const [entry] = await tx<{ retrigger: number; acknowledgedBy: string | null }[]>`
    insert into alert_retriggers (alert_id, retrigger, cause, acknowledged_at, acknowledged_by, escalation_level,
                                  source_event_id, node_id)
    select id, retrigger_count + 1, ${why.cause}, acknowledged_at, acknowledged_by, ${alert.level},
           ${why.sourceEventId ?? null}, ${why.nodeId ?? null}
      from alerts where id = ${alert.alertId} and status = any(${fromStatuses('retrigger')}::alert_status[])
    returning retrigger, acknowledged_by as "acknowledgedBy"`;
  if (!entry) {
    const [current] = await tx<{ status: AlertStatus }[]>`select status from alerts where id = ${alert.alertId}`;
    throw new ForbiddenTransition('retrigger', current?.status ?? null);
  }

  const position = positionOnLadder(alert.policy.steps, alert.policy.repeat, alert.level);
  const schedule = scheduleOnce(tx, alert.orgId);
  const onStep = position ? await staffForStep(tx, { ...alert, step: position.step, schedule }) : [];
  const acknowledger = entry.acknowledgedBy
    ? await tx<{ id: string }[]>`select id from staff where id = ${entry.acknowledgedBy} and active`
    : [];
  // The person who acknowledged is told again too, unless off shift now for an alert below critical.
  const retold = await withoutOffShift(
    tx,
    { ...alert, schedule },
    acknowledger.map((person) => person.id),
  );
  let staffIds = [...onStep, ...retold];
  if (staffIds.length === 0) staffIds = (await whenNobodyOnTheLadder(tx, alert.orgId)).staffIds;
  // A step no longer on the (edited) ladder has no wait: the alert stays open, told, and unescalated.
  const wait = position?.step.waitSeconds ?? null;
  return createDeliveries(
    tx,
    {
      alertId: alert.alertId,
      orgId: alert.orgId,
      staffIds,
      level: alert.level,
      retrigger: entry.retrigger,
      nodeId: why.nodeId,
    },
    {
      change: 'retriggered',
      set: tx`status = 'open', acknowledged_at = null, acknowledged_by = null, retrigger_count = ${entry.retrigger},
              next_escalation_at = now() + make_interval(secs => ${wait}::float8), updated_at = now()`,
    },
  );
}
