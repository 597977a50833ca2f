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
  await tx`
    select id from alerts
     where org_id = ${input.orgId} and resident_id = ${input.residentId} and status <> 'resolved'
     order by id
       for update`;
  // FOR NO KEY UPDATE, as createDeliveries takes it: its sequence bump then waits for nobody.
  await tx`
    select s.id from staff s join assignments a on a.staff_id = s.id
     where a.org_id = ${input.orgId} and a.resident_id = ${input.residentId}
     order by s.id
       for no key update of s`;
}
