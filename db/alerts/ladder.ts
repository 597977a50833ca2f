import type postgres from 'postgres';
import { scheduleOnce } from '../on-call/load';
import type { AlertSeverity } from '../schema/alerts';
import type { AlertChange, NewDeliveryRow } from './channel';
import { createDeliveries } from './deliveries';
import { type EscalationPolicy, usablePolicy } from './escalation-policy';
import { positionOnLadder, staffForStep } from './escalation-targets';

type Tx = postgres.TransactionSql;

export interface AlertOnLadder {
  alertId: string;
  orgId: string;
  residentId: string;
  severity: AlertSeverity;
  policy: EscalationPolicy;
  /** The alert's trigger the new deliveries belong to (0 as first raised, n after its n-th re-trigger). */
  retrigger: number;
  nodeId?: string;
}

export interface LadderStep {
  level: number;
  deliveries: NewDeliveryRow[];
}

/**
 * Walks the ladder from `fromLevel` up to the first step that names someone active: new pending deliveries for
 * that step's staff, the alert's level and next deadline set, and the `change` NOTIFY carrying the deliveries —
 * the deadline and the NOTIFY in one statement. Returns undefined, changing nothing, when no step up the ladder
 * (within the first round, with `firstRoundOnly`) names anyone: the caller decides what an exhausted ladder means.
 * Used both when an alert is raised (from level 0) and when the sweep escalates it (from its level + 1).
 */
export async function advanceLadder(
  tx: Tx,
  alert: AlertOnLadder,
  walk: { fromLevel: number; firstRoundOnly: boolean; change: Extract<AlertChange, 'created' | 'escalated'> },
): Promise<LadderStep | undefined> {
  const { policy } = alert;
  const schedule = scheduleOnce(tx, alert.orgId);
  for (let level = walk.fromLevel; ; level++) {
    const position = positionOnLadder(policy.steps, policy.repeat, level);
    if (!position || (walk.firstRoundOnly && position.round > 0)) return undefined;
    const staffIds = await staffForStep(tx, { ...alert, step: position.step, schedule });
    if (staffIds.length === 0) continue;
    const deliveries = await createDeliveries(
      tx,
      { alertId: alert.alertId, orgId: alert.orgId, staffIds, level, retrigger: alert.retrigger, nodeId: alert.nodeId },
      {
        change: walk.change,
        set: tx`escalation_level = ${level}, updated_at = now(),
                next_escalation_at = now() + make_interval(secs => ${position.step.waitSeconds})`,
      },
    );
    return { level, deliveries };
  }
}

/**
 * Who is told when the ladder names nobody: every admin and manager. An organisation with neither tells every
 * active staff member, assigned or not — an emergency reaching some human outranks keeping it to the resident's
 * carers.
 */
export async function whenNobodyOnTheLadder(tx: Tx, orgId: string): Promise<{ staffIds: string[]; told: string }> {
  const active = await tx<{ id: string; privileged: boolean }[]>`
    select id, role in ('admin', 'manager') as privileged from staff where org_id = ${orgId} and active
     order by id`;
  const privileged = active.filter((person) => person.privileged);
  return {
    staffIds: (privileged.length > 0 ? privileged : active).map((person) => person.id),
    told: privileged.length > 0 ? 'every admin and manager' : 'every active staff member',
  };
}

/** The organisation's ladder for a severity, or the default one when it has none or a malformed one. */
export async function policyFor(
  tx: Tx | postgres.Sql,
  orgId: string,
  severity: AlertSeverity,
): Promise<EscalationPolicy> {
  const [policy] = await tx<{ policy: unknown }[]>`
    select json_build_object('steps', steps, 'repeat', repeat) as policy from escalation_policies
     where org_id = ${orgId} and severity = ${severity}`;
  return usablePolicy(policy?.policy, orgId, severity);
}
