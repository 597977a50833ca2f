import type postgres from 'postgres';

/** Deletes callback ids received before `before`; returns how many. */
export async function pruneCallbackReceipts(sql: postgres.Sql, before: Date): Promise<number> {
  const rows = await sql`
    delete from webhook_callback_receipts where received_at < ${before.toISOString()}::timestamptz returning 1`;
  return rows.length;
}
