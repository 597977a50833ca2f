import type postgres from 'postgres';
import type { EscalationStep } from '../schema/alerts';

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

/** Active staff of the organisation a step names, for one resident. Sorted by id (the lock order). */
export async function staffForStep(tx: Tx, orgId: string, residentId: string, step: EscalationStep): Promise<string[]> {
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
  return rows.map((row) => row.id);
}
