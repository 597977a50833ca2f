import type postgres from 'postgres';

/**
 * Runs one statement of a transaction with PostgreSQL's generic plan. A prepared statement that takes an array
 * parameter is otherwise planned again on every execution: the generic plan is costed for ten elements, so it never
 * looks cheaper than a custom plan for the usual one, and the plan cache keeps the custom one (for the statement that
 * creates an alert's deliveries, ~0.8 ms of planning a time, more than it takes to run). The settings are pipelined
 * with the statement, so this costs no round trip; `default` afterwards gives the rest of the transaction the
 * server's (or role's) setting — nothing here sets one per session.
 */
export async function withGenericPlan<R extends readonly postgres.MaybeRow[]>(
  tx: postgres.TransactionSql,
  statement: postgres.PendingQuery<R>,
): Promise<R> {
  // postgres.js sends a query when it is first awaited, and Promise.all awaits in array order.
  const [, rows] = await Promise.all([
    tx`set local plan_cache_mode = force_generic_plan`,
    statement,
    tx`set local plan_cache_mode to default`,
  ]);
  return rows;
}
