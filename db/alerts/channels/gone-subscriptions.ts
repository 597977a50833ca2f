import type { Sql } from '../../client';

/**
 * Deletes push subscriptions whose push service called them gone before `before` and that no
 * `pushsubscriptionchange` has moved since; their attempts keep their history (the reference is set null).
 */
export async function purgeGoneSubscriptions(sql: Sql, before: Date): Promise<number> {
  const rows = await sql`
    delete from push_subscriptions where gone_at < ${before.toISOString()}::timestamptz returning 1`;
  return rows.length;
}
