import type postgres from 'postgres';
import { withGenericPlan } from '../generic-plan';
import type { AlertChange, NewDeliveryRow } from './channel';
import { channelAttemptCtes } from './channels/create-attempts';
import { notify, notifyExpression } from './notify';

type Tx = postgres.TransactionSql;

/** What the new deliveries change on their alert (`set`), announced with the change's NOTIFY. */
export interface DeliveriesAnnouncement {
  change: AlertChange;
  set: postgres.PendingQuery<postgres.Row[]>;
}

/**
 * Creates one pending delivery per staff member for an alert at an escalation level (of its `retrigger`-th
 * trigger: 0 as first raised, n after its n-th re-trigger), each with the next
 * per-staff sequence number, plus its first history row and its channel attempts (push, webhook) by the
 * notification rules — in one statement (this is on every alert's path).
 *
 * Ordering rule: staff rows are locked in id order (a MATERIALIZED locking CTE, so the locks are taken before
 * anything else reads them) before their sequence is bumped, so concurrent transactions never deadlock, and a
 * later sequence number can only commit after an earlier one for the same person — a dashboard resuming "after
 * seq N" can never miss a delivery that commits late. The lock is FOR NO KEY UPDATE (what the bump needs, no
 * more): an ack or resolve holding an alert row checks its `acknowledged_by`/`resolved_by` foreign key with KEY
 * SHARE on a staff row, which this must not block — it would wait for staff while holding an alert, against the
 * global order alerts → staff → deliveries (README "Delivery guarantees").
 *
 * With `announce`, the same statement also updates the alert (its level, its next deadline) and sends the change's
 * NOTIFY carrying the new deliveries (see `notify`): one round trip less on every alert's path. The caller holds
 * the alert row already (locked before any staff row), as the global order wants.
 */
export async function createDeliveries(
  tx: Tx,
  input: { alertId: string; orgId: string; staffIds: string[]; level: number; retrigger?: number; nodeId?: string },
  announce?: DeliveriesAnnouncement,
): Promise<NewDeliveryRow[]> {
  const staffIds = [...new Set(input.staffIds)].sort();
  if (staffIds.length === 0) {
    if (announce) await notify(tx, { alertId: input.alertId, change: announce.change, deliveries: [] }, announce.set);
    return [];
  }
  const retrigger = input.retrigger ?? 0;
  const detail =
    retrigger > 0 ? `re-trigger ${retrigger}, escalation level ${input.level}` : `escalation level ${input.level}`;
  return withGenericPlan(
    tx,
    tx<NewDeliveryRow[]>`
    with locked as materialized (
      select id from staff where id = any(${staffIds}::uuid[]) order by id for no key update
    ), bumped as (
      update staff s set delivery_seq = s.delivery_seq + 1 from locked where s.id = locked.id
      returning s.id, s.delivery_seq
    ), inserted as (
      insert into alert_deliveries (org_id, alert_id, staff_id, escalation_level, retrigger, seq, state, next_send_at)
      select ${input.orgId}, ${input.alertId}, bumped.id, ${input.level}, ${retrigger}, bumped.delivery_seq, 'pending',
             now()
        from bumped
      on conflict (alert_id, staff_id, escalation_level, retrigger) do nothing
      returning id, staff_id, seq
    ), history as (
      insert into alert_delivery_history (delivery_id, from_state, to_state, node_id, detail)
      select id, null, 'pending', ${input.nodeId ?? null}, ${detail} from inserted
    ), ${channelAttemptCtes(tx, { deliveries: 'inserted', alertId: input.alertId, orgId: input.orgId, nodeId: input.nodeId ?? null })}${
      announce
        ? tx`, announced as (
      update alerts set ${announce.set} where id = ${input.alertId}
      returning ${notifyExpression(tx, announce.change, { cte: 'inserted' })}
    )`
        : tx``
    }
    select id, staff_id as "staffId", seq::float8 as seq from inserted order by staff_id`,
  );
}
