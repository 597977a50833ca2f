import type postgres from 'postgres';

type Sql = postgres.Sql | postgres.TransactionSql;

/**
 * CTEs cancelling the queued channel attempts `which` names (a condition on `a`), with a history row each:
 * `cancelled_attempts`, `cancelled_attempt_history`. An attempt a node is sending right now (queued, leased) is
 * cancelled too; the sender's outcome then changes nothing (it only moves queued attempts).
 *
 * Lock order (README "Delivery guarantees"): alerts, then deliveries, then channel attempts; the statements that
 * embed this hold the first two already.
 */
export function cancelQueuedAttemptsCtes(
  sql: Sql,
  which: postgres.PendingQuery<postgres.Row[]>,
  nodeId: string | null,
  detail: string,
): postgres.PendingQuery<postgres.Row[]> {
  return sql`
    cancelled_attempts as (
      update delivery_channel_attempts a
         set state = 'cancelled', cancelled_at = now(), lease_until = null, detail = ${detail}, updated_at = now()
       where a.state = 'queued' and ${which}
      returning a.id
    ), cancelled_attempt_history as (
      insert into delivery_channel_attempt_history (attempt_id, from_state, to_state, node_id, detail)
      select id, 'queued', 'cancelled', ${nodeId}, ${detail} from cancelled_attempts
    )`;
}
