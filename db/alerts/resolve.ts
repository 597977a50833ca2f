import type postgres from 'postgres';
import type { Actor } from '../actor';
import type { AlertOutcome, AlertStatus } from '../schema/alerts';
import { notify } from './notify';
import { alertTransition } from './state-machine';
import { supersedeOutstanding } from './supersede';

export type ResolveResult = { outcome: 'resolved' } | { outcome: 'already' } | { outcome: 'unknown' };

/**
 * Closes an alert with its handling record: what was found (`outcome`; null from a client that does not say, e.g.
 * an older dashboard) and a note, who and when. Allowed for anyone who was told about it (has a delivery) and for managers and
 * admins of its organisation; for anyone else the alert does not exist. An unacknowledged alert counts as
 * acknowledged by the resolver. Escalation stops, outstanding deliveries are superseded, every node is told.
 * Lock order: the alert row, then its deliveries by id (see supersedeOutstanding).
 */
export async function resolveAlert(
  sql: postgres.Sql,
  input: { alertId: string; identity: Actor; note: string; outcome?: AlertOutcome | null; nodeId: string },
): Promise<ResolveResult> {
  const { identity } = input;
  return (await sql.begin(async (tx) => {
    const [alert] = await tx<{ status: AlertStatus }[]>`
      select a.status from alerts a
       where a.id = ${input.alertId} and a.org_id = ${identity.orgId}
         and (${identity.role} <> 'caregiver'
              or exists (select 1 from alert_deliveries d where d.alert_id = a.id and d.staff_id = ${identity.staffId}))
       for update`;
    if (!alert) return { outcome: 'unknown' } satisfies ResolveResult;
    if (!alertTransition('resolve', alert.status)) return { outcome: 'already' } satisfies ResolveResult;
    await tx`
      update alerts set status = 'resolved', resolved_at = now(), resolved_by = ${identity.staffId},
             resolution_note = ${input.note}, resolution_outcome = ${input.outcome ?? null}, next_escalation_at = null,
             acknowledged_at = coalesce(acknowledged_at, now()),
             acknowledged_by = coalesce(acknowledged_by, ${identity.staffId}::uuid), updated_at = now()
       where id = ${input.alertId}`;
    await supersedeOutstanding(tx, [input.alertId], input.nodeId, 'alert resolved');
    await notify(tx, { alertId: input.alertId, change: 'resolved' });
    return { outcome: 'resolved' } satisfies ResolveResult;
  })) as ResolveResult;
}
