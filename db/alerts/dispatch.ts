import type postgres from 'postgres';

type Sql = postgres.Sql | postgres.TransactionSql;

/** Someone who was told about an alert (has a delivery of it, in any state). */
export interface AlertRecipient {
  alertId: string;
  staffId: string;
}

/** Everyone who was told about each of these alerts: they get its `alert.updated`. */
export async function alertRecipients(sql: Sql, alertIds: string[]): Promise<AlertRecipient[]> {
  if (alertIds.length === 0) return [];
  return sql<AlertRecipient[]>`
    select distinct alert_id as "alertId", staff_id as "staffId" from alert_deliveries
     where alert_id = any(${alertIds}::uuid[])`;
}

/** Display names of staff members by id (an `alert.updated` says who acknowledged or resolved). */
export async function staffNames(sql: Sql, staffIds: string[]): Promise<Map<string, string>> {
  if (staffIds.length === 0) return new Map();
  const rows = await sql<{ id: string; name: string }[]>`
    select id, name from staff where id = any(${[...new Set(staffIds)]}::uuid[])`;
  return new Map(rows.map((row) => [row.id, row.name]));
}
