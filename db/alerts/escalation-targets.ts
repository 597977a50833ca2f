import type postgres from 'postgres';
import { type OrgSchedule, offShiftStaff, onCallOfTeam, scheduleOnce } from '../on-call/load';
import type { AlertSeverity, EscalationStep } from '../schema/alerts';

type Tx = postgres.TransactionSql | postgres.Sql;

/** Where an alert stands on its organisation's ladder: level L runs step L mod n, in round L div n. */
export interface LadderPosition {
  step: EscalationStep;
  round: number;
}

export function positionOnLadder(steps: EscalationStep[], repeat: number, level: number): LadderPosition | undefined {
  if (steps.length === 0 || level < 0 || level >= steps.length * Math.max(repeat, 1)) return undefined;
  const step = steps[level % steps.length];
  return step ? { step, round: Math.floor(level / steps.length) } : undefined;
}

/** A ladder step to find people for: whose alert, how severe, and when (the transaction's `now()` unless given). */
export interface StepTarget {
  orgId: string;
  residentId: string;
  severity: AlertSeverity;
  step: EscalationStep;
  at?: Date;
  /** The schedule at `at`, shared by the steps of one walk (`scheduleOnce`); read here when not given. */
  schedule?: () => Promise<OrgSchedule>;
}

/**
 * Active staff of the organisation a step names, for one resident, sorted by id (the lock order). A step naming a
 * team's on-call names whoever is on call then; for any other step, staff off shift (they take turns in a rotation
 * that has begun and are on call for no team) are left out unless the alert is critical — a critical alert still reaches the
 * resident's own carers, whatever their hours.
 */
export async function staffForStep(tx: Tx, target: StepTarget): Promise<string[]> {
  const { orgId, residentId, step } = target;
  const schedule = target.schedule ?? scheduleOnce(tx, orgId, target.at);
  if (step.notify === 'on_call') {
    const onCall = onCallOfTeam(await schedule(), step.teamId).map((entry) => entry.staffId);
    if (onCall.length === 0) return [];
    const rows = await tx<{ id: string }[]>`
      select id from staff where org_id = ${orgId} and active and id = any(${onCall}::uuid[]) order by id`;
    return rows.map((row) => row.id);
  }
  let rows: { id: string }[];
  if (step.notify === 'assigned') {
    rows = await tx<{ id: string }[]>`
      select s.id from assignments a join staff s on s.id = a.staff_id
       where a.resident_id = ${residentId} and a.org_id = ${orgId} and s.active
         and (${step.order ?? null}::int is null or a.escalation_order = ${step.order ?? null}::int)
       order by s.id`;
  } else {
    const role = step.notify === 'managers' ? 'manager' : 'admin';
    rows = await tx<{ id: string }[]>`
      select id from staff where org_id = ${orgId} and role = ${role} and active order by id`;
  }
  return withoutOffShift(
    tx,
    { ...target, schedule },
    rows.map((row) => row.id),
  );
}

/** `staffIds` less those off shift at `at`, unless the alert is critical (it reaches them whatever their hours). */
export async function withoutOffShift(
  tx: Tx,
  alert: { orgId: string; severity: AlertSeverity; at?: Date; schedule?: () => Promise<OrgSchedule> },
  staffIds: string[],
): Promise<string[]> {
  if (alert.severity === 'critical' || staffIds.length === 0) return staffIds;
  const schedule = alert.schedule ?? scheduleOnce(tx, alert.orgId, alert.at);
  const offShift = offShiftStaff(await schedule());
  return staffIds.filter((id) => !offShift.has(id));
}
