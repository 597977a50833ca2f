import type postgres from 'postgres';
import { ALERTS_CHANNEL, type AlertNotification, type NewDeliveryRow } from './channel';

type Sql = postgres.Sql | postgres.TransactionSql;

/** At most this many new deliveries ride in a NOTIFY payload (PostgreSQL's limit is 8,000 bytes). */
const DELIVERIES_IN_PAYLOAD = 60;

/**
 * The new deliveries a notification carries: rows known here, or those of a CTE (columns id, staff_id, seq) of the
 * statement the notification is sent from.
 */
export type CarriedDeliveries = NewDeliveryRow[] | { cte: string } | null;

/**
 * `pg_notify` with the `AlertNotification` payload of the `alerts` row in scope (its columns unqualified, or
 * qualified by `alias`): org and resident are read from the row, never passed in. PostgreSQL sends it only when
 * the transaction commits. The single place the payload is built.
 */
export function notifyExpression(
  sql: Sql,
  change: AlertNotification['change'],
  deliveries?: CarriedDeliveries,
  alias?: string,
): postgres.PendingQuery<postgres.Row[]> {
  const column = (name: string) => (alias ? sql`${sql(alias)}.${sql(name)}` : sql(name));
  return sql`pg_notify(${ALERTS_CHANNEL}, json_build_object(
    'alertId', ${column('id')}, 'orgId', ${column('org_id')}, 'residentId', ${column('resident_id')},
    'change', ${change}::text, 'deliveries', ${carried(sql, deliveries)})::text)`;
}

function carried(sql: Sql, deliveries: CarriedDeliveries | undefined): postgres.PendingQuery<postgres.Row[]> {
  if (deliveries && !Array.isArray(deliveries)) {
    return sql`(select case when count(*) <= ${DELIVERIES_IN_PAYLOAD}
                            then coalesce(json_agg(json_build_array(id, staff_id, seq::float8) order by staff_id),
                                          '[]'::json) end
                  from ${sql(deliveries.cte)})`;
  }
  const rows =
    deliveries && deliveries.length <= DELIVERIES_IN_PAYLOAD
      ? JSON.stringify(deliveries.map((delivery) => [delivery.id, delivery.staffId, delivery.seq]))
      : null;
  return sql`${rows}::text::json`;
}

/**
 * Sends the change on commit. New deliveries ride along (up to DELIVERIES_IN_PAYLOAD), so a realtime node claims
 * them without looking them up. With `set`, the same statement first updates the alert: one round trip less on
 * the path every alert takes.
 */
export async function notify(
  tx: Sql,
  notification: Pick<AlertNotification, 'alertId' | 'change'> & { deliveries?: NewDeliveryRow[] },
  set?: postgres.PendingQuery<postgres.Row[]>,
): Promise<void> {
  const pgNotify = notifyExpression(tx, notification.change, notification.deliveries);
  if (set) await tx`update alerts set ${set} where id = ${notification.alertId} returning ${pgNotify}`;
  else await tx`select ${pgNotify} from alerts where id = ${notification.alertId}`;
}

/**
 * JSON goes to the server as text and is cast in SQL (`${jsonText(x)}::text::jsonb`), so the result does not depend
 * on which json serializer the postgres.js client has (drizzle's driver replaces its own client's serializers).
 */
export function jsonText(value: Record<string, unknown>): string {
  return JSON.stringify(value);
}
