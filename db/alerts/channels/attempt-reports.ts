import type postgres from 'postgres';
import type { NotificationChannel } from '../../schema/notifications';
import { markDeliveredMany, type ReceiptResult } from '../outstanding';

type Sql = postgres.Sql | postgres.TransactionSql;

/** A channel attempt as a report about it (a push receipt, an integration's callback) names it. */
export interface ReportedAttempt {
  id: string;
  orgId: string;
  alertId: string;
  deliveryId: string;
  staffId: string;
  channel: NotificationChannel;
  endpointId: string | null;
}

export async function findAttempt(sql: Sql, attemptId: string): Promise<ReportedAttempt | undefined> {
  const [row] = await sql<ReportedAttempt[]>`
    select id, org_id as "orgId", alert_id as "alertId", delivery_id as "deliveryId", staff_id as "staffId", channel,
           endpoint_id as "endpointId"
      from delivery_channel_attempts where id = ${attemptId}`;
  return row;
}

/**
 * The attempt reached its person (the service worker showed the push, the integration delivered the SMS): the
 * attempt becomes `delivered` and so does its delivery, as a dashboard receipt makes it — each with history, in
 * one transaction, the delivery locked before the attempt (the global lock order). Returns the delivery's result.
 */
export async function recordAttemptReceived(
  sql: postgres.Sql,
  attempt: ReportedAttempt,
  input: { nodeId: string; detail: string },
): Promise<ReceiptResult> {
  return (await sql.begin(async (tx) => {
    const [result] = await markDeliveredMany(
      tx,
      [{ deliveryId: attempt.deliveryId, staffId: attempt.staffId, orgId: attempt.orgId }],
      input.nodeId,
    );
    await markAttemptDelivered(tx, attempt.id, input);
    return result ?? 'unknown';
  })) as ReceiptResult;
}

/** Queued or sent → delivered with a history row (a receipt may come before the sender recorded its send). */
export async function markAttemptDelivered(
  tx: Sql,
  attemptId: string,
  input: { nodeId: string; detail: string; spendActionToken?: boolean },
): Promise<void> {
  await tx`
    with prior as materialized (
      select id, state from delivery_channel_attempts where id = ${attemptId} for update
    ), moved as (
      update delivery_channel_attempts a
         set state = case when prior.state in ('queued', 'sent') then 'delivered' else a.state end,
             delivered_at = case when prior.state in ('queued', 'sent') then now() else a.delivered_at end,
             action_token_used_at = case when ${input.spendActionToken ?? false} then now()
                                         else a.action_token_used_at end,
             updated_at = now()
        from prior where a.id = prior.id
      returning a.id, prior.state as previous
    )
    insert into delivery_channel_attempt_history (attempt_id, from_state, to_state, node_id, detail)
    select id, previous, 'delivered', ${input.nodeId}, ${input.detail} from moved where previous in ('queued', 'sent')`;
}

/** The integration could not reach the person: queued or sent → failed, with its reason. Returns whether it moved. */
export async function recordAttemptFailedByProvider(
  sql: Sql,
  attemptId: string,
  input: { nodeId: string; detail: string },
): Promise<boolean> {
  const rows = await sql`
    with prior as materialized (
      select id, state from delivery_channel_attempts
       where id = ${attemptId} and state in ('queued', 'sent') for update
    ), moved as (
      update delivery_channel_attempts a
         set state = 'failed', failed_at = now(), lease_until = null, detail = ${input.detail}, updated_at = now()
        from prior where a.id = prior.id
      returning a.id, prior.state as previous
    )
    insert into delivery_channel_attempt_history (attempt_id, from_state, to_state, node_id, detail)
    select id, previous, 'failed', ${input.nodeId}, ${input.detail} from moved
    returning attempt_id`;
  return rows.length > 0;
}
