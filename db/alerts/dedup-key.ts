import type postgres from 'postgres';
import type { AlertKind } from '../schema/alerts';

type Sql = postgres.Sql | postgres.TransactionSql;

/**
 * The dedup key of an alert: one unresolved alert per resident and kind (per device for device-scoped kinds),
 * `<resident>:<kind>[:<device>]`. Built here only, in TypeScript (`dedupKey`) and in SQL (`dedupKeySql`).
 */
const SEPARATOR = ':';

export function dedupKey(residentId: string, kind: AlertKind, deviceId?: string | null): string {
  const key = `${residentId}${SEPARATOR}${kind}`;
  return deviceId ? `${key}${SEPARATOR}${deviceId}` : key;
}

/** The same key as a SQL expression over a resident id column (e.g. `r.id`), for set-based statements. */
export function dedupKeySql(
  sql: Sql,
  residentIdColumn: string,
  kind: AlertKind,
): postgres.PendingQuery<postgres.Row[]> {
  return sql`${sql(residentIdColumn)}::text || ${`${SEPARATOR}${kind}`}::text`;
}
