import type postgres from 'postgres';
import { withGenericPlan } from '../generic-plan';

/**
 * For a transaction that may open, join, clear, resolve or re-trigger several of one resident's alerts (an ingest
 * batch whose rules may act): takes up front, in the global lock order (README "Delivery guarantees"), the locks
 * those steps would otherwise take one by one as the events come — the resident's open alerts by id, then by id
 * every staff member the batch may tell: those assigned to the resident (a new alert's first step), whoever
 * acknowledged one of the open alerts, and — when an open alert is acknowledged (a re-trigger tells its current
 * step, perhaps managers or admins) or nobody active is assigned (the ladder falls through to them) — every active
 * admin and manager, or every active staff member in an organisation with neither. Taken event by event instead, a
 * batch holding some staff could wait for an alert, or for other staff, that an escalation holds while it waits
 * for the same staff.
 *
 * Must be the transaction's first lock. A per-resident advisory lock comes first, in a statement of its own: a
 * batch that waited for another batch of the same resident then reads the alerts with a snapshot taken after that
 * one committed. Waiting on the rows themselves is not enough: a READ COMMITTED statement re-reads the rows it
 * waited for but never sees an alert the other batch created, and the batch would later lock that alert (joining
 * it) while holding staff — against an escalation, or a third batch, holding it and waiting for those staff.
 */
export async function lockResidentAlerts(
  tx: postgres.TransactionSql,
  input: { orgId: string; residentId: string },
): Promise<void> {
  // Both statements are sent at once (pipelined: no extra round trip on the alert path); PostgreSQL runs the
  // second, and takes its snapshot, only once the first holds the advisory lock.
  // The alerts' CTE is also read by an uncorrelated sub-select in a condition with no column of the outer query,
  // so PostgreSQL runs it once before it reads any staff row (a gating one-time filter): the alerts are locked
  // first. The staff to lock go through an array so PostgreSQL reads them by primary key: joined to the CTE, whose
  // size it cannot know (every admin and manager, at most), it scanned the whole staff table on every batch.
  // FOR NO KEY UPDATE on staff, as createDeliveries takes it: its sequence bump then waits for nobody.
  // On the generic plan: its estimate counts the branches a one-time filter skips (every admin and manager of an
  // organisation whose parameter it does not know), so PostgreSQL kept a custom plan, planned again on every batch
  // (0.45 ms, four times what it took to run, in bench:notify's organisation), though both plans are the same.
  // `execute()` sends the advisory lock at once, before `withGenericPlan` sends its statements.
  await Promise.all([
    tx`select pg_advisory_xact_lock(hashtext('carewatch.resident-alerts'), hashtext(${input.residentId}::text))`.execute(),
    withGenericPlan(
      tx,
      tx`
      with open_alerts as materialized (
        select id, status, acknowledged_by from alerts
         where org_id = ${input.orgId} and resident_id = ${input.residentId} and status <> 'resolved'
         order by id
           for update
      ), told as (
        select staff_id as id from assignments where org_id = ${input.orgId} and resident_id = ${input.residentId}
        union
        select acknowledged_by from open_alerts where status = 'acknowledged' and acknowledged_by is not null
        union
        select p.id from staff p
         where p.org_id = ${input.orgId} and p.active
           and (exists (select 1 from open_alerts where status = 'acknowledged')
                or not exists (select 1 from assignments a join staff s on s.id = a.staff_id
                                where a.org_id = ${input.orgId} and a.resident_id = ${input.residentId} and s.active))
           and (p.role in ('admin', 'manager')
                or not exists (select 1 from staff q
                                where q.org_id = ${input.orgId} and q.active and q.role in ('admin', 'manager')))
      )
      select s.id from staff s
       where s.id = any(array(select id from told)) and (select count(*) from open_alerts) >= 0
       order by s.id
         for no key update of s`,
    ),
  ]);
}
