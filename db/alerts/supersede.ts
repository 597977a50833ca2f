import type postgres from 'postgres';
import { cancelQueuedAttemptsCtes } from './channels/cancel-attempts';

type Sql = postgres.Sql | postgres.TransactionSql;

/**
 * CTEs superseding the outstanding deliveries of the alerts `ofAlerts` names (a condition on `d.alert_id`), with a
 * history row each, and cancelling their queued channel attempts (nobody is waiting for a push or a webhook call
 * any more): `outstanding`, `superseded`, `superseded_history`, `cancelled_attempts`. Keyed by the superseded
 * deliveries, found by index: the ingest statement embeds this in every batch, resolving nothing most of the time.
 * A queued attempt of a delivery no longer outstanding (failed, acknowledged) is cancelled when it falls due
 * (`claimDueAttempts`), or by the acknowledgement itself. For a statement that first changes the
 * alerts (and so holds their rows): the deliveries are then locked in one statement by id — the global lock order
 * (README "Lock order"); an alert-at-a-time loop would lock them out of order across alerts.
 */
export function supersedeCtes(
  sql: Sql,
  ofAlerts: postgres.PendingQuery<postgres.Row[]>,
  nodeId: string | null,
  detail: string,
): postgres.PendingQuery<postgres.Row[]> {
  return sql`
    outstanding as materialized (
      select d.id, d.state from alert_deliveries d
       where ${ofAlerts} and d.state in ('pending', 'sent', 'delivered')
       order by d.id
         for update
    ), superseded as (
      update alert_deliveries d set state = 'superseded', superseded_at = now(), next_send_at = null
        from outstanding where d.id = outstanding.id
      returning d.id, outstanding.state as previous
    ), superseded_history as (
      insert into alert_delivery_history (delivery_id, from_state, to_state, node_id, detail)
      select id, previous, 'superseded', ${nodeId}, ${detail} from superseded
    ), ${cancelQueuedAttemptsCtes(sql, sql`a.delivery_id in (select id from outstanding)`, nodeId, detail)}`;
}

/**
 * Every delivery of these alerts not yet acknowledged, failed or superseded becomes `superseded`, with history.
 * The caller holds the alerts' rows. Returns how many were superseded.
 */
export async function supersedeOutstanding(
  tx: postgres.TransactionSql,
  alertIds: string[],
  nodeId: string | null,
  detail: string,
): Promise<number> {
  if (alertIds.length === 0) return 0;
  const [row] = await tx<{ count: number }[]>`
    with ${supersedeCtes(tx, tx`d.alert_id = any(${alertIds}::uuid[])`, nodeId, detail)}
    select count(*)::int as count from superseded`;
  return row?.count ?? 0;
}
