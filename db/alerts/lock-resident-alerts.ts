import type postgres from 'postgres';

/**
 * For a transaction that may open, join, clear or resolve several of one resident's alerts (an ingest batch whose
 * rules may act): takes up front, in the global lock order (README "Delivery guarantees"), the locks those steps
 * would otherwise take one by one as the events come — the resident's open alerts by id, then the staff assigned
 * to the resident by id (whom a new alert's first step tells). Taken event by event instead, a batch holding a new
 * alert's staff could wait for an open alert that an escalation holds while it waits for the same staff.
 */
export async function lockResidentAlerts(
  tx: postgres.TransactionSql,
  input: { orgId: string; residentId: string },
): Promise<void> {
  // One round trip on the alert path. The alerts' CTE is an uncorrelated sub-select in a condition with no column
  // of the outer query, so PostgreSQL runs it once before it reads any staff row (a gating one-time filter): the
  // alerts are locked first. FOR NO KEY UPDATE on staff, as createDeliveries takes it: its sequence bump then
  // waits for nobody.
  await tx`
    with open_alerts as materialized (
      select id from alerts
       where org_id = ${input.orgId} and resident_id = ${input.residentId} and status <> 'resolved'
       order by id
         for update
    )
    select s.id from staff s join assignments a on a.staff_id = s.id
     where a.org_id = ${input.orgId} and a.resident_id = ${input.residentId}
       and (select count(*) from open_alerts) >= 0
     order by s.id
       for no key update of s`;
}
