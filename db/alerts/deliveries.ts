import type postgres from 'postgres';
import type { DeliveryState } from '../schema/alerts';

type Tx = postgres.TransactionSql;

export interface NewDeliveryRow {
  id: string;
  staffId: string;
  seq: number;
}

/**
 * Creates one pending delivery per staff member for an alert at an escalation level, each with the next
 * per-staff sequence number, plus its first history row.
 *
 * Ordering rule: staff rows are locked in id order before their sequence is bumped, so concurrent transactions
 * never deadlock, and a later sequence number can only commit after an earlier one for the same person — a
 * dashboard resuming "after seq N" can never miss a delivery that commits late.
 */
export async function createDeliveries(
  tx: Tx,
  input: { alertId: string; orgId: string; staffIds: string[]; level: number; nodeId?: string },
): Promise<NewDeliveryRow[]> {
  const staffIds = [...new Set(input.staffIds)].sort();
  if (staffIds.length === 0) return [];
  await tx`select id from staff where id = any(${staffIds}::uuid[]) order by id for update`;
  const rows = await tx<NewDeliveryRow[]>`
    with bumped as (
      update staff set delivery_seq = delivery_seq + 1 where id = any(${staffIds}::uuid[])
      returning id, delivery_seq
    )
    insert into alert_deliveries (org_id, alert_id, staff_id, escalation_level, seq, state, next_send_at)
    select ${input.orgId}, ${input.alertId}, bumped.id, ${input.level}, bumped.delivery_seq, 'pending', now()
      from bumped
    on conflict (alert_id, staff_id, escalation_level) do nothing
    returning id, staff_id as "staffId", seq`;
  await recordHistory(
    tx,
    rows.map((row) => row.id),
    null,
    'pending',
    input.nodeId,
    `escalation level ${input.level}`,
  );
  return rows;
}

/** Appends one history row per delivery for a state change (GoAlert's status history). */
export async function recordHistory(
  tx: Tx | postgres.Sql,
  deliveryIds: string[],
  fromState: DeliveryState | null,
  toState: DeliveryState,
  nodeId?: string,
  detail?: string,
): Promise<void> {
  if (deliveryIds.length === 0) return;
  await tx`
    insert into alert_delivery_history (delivery_id, from_state, to_state, node_id, detail)
    select unnest(${deliveryIds}::uuid[]), ${fromState}::delivery_state, ${toState}::delivery_state,
           ${nodeId ?? null}, ${detail ?? null}`;
}
