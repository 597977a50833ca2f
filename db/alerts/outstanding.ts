import type postgres from 'postgres';
import type { DeliveryState } from '../schema/alerts';
import { SENT_CHANNEL, type SentNotification } from './channel';

type Sql = postgres.Sql | postgres.TransactionSql;

// Sequences are bigint columns; they are read as float8 so JavaScript gets numbers (exact below 2^53).

/** A delivery handed to a node for sending; the node has already recorded it as `sent`. */
export interface ClaimedDelivery {
  id: string;
  alertId: string;
  staffId: string;
  seq: number;
  state: DeliveryState;
  sendCount: number;
  /** When the delivery was created (epoch ms); the node measures delivery latency from here. */
  pendingAtMs: number;
}

export interface ClaimOptions {
  /** Staff connected to the claiming node: only their deliveries are claimed. */
  staffIds?: string[];
  /** Exactly these deliveries (found by `peekDeliveries`), if still outstanding. */
  deliveryIds?: string[];
  /** Claim every outstanding delivery, not only those due: a fresh connection gets them at once. */
  ignoreSchedule?: boolean;
  /** Seconds until an unreceived delivery is sent again. */
  resendSeconds: number;
  /** Sends without a receipt after which a delivery is left for `failExhaustedDeliveries`. */
  maxSends: number;
  nodeId: string;
  limit?: number;
}

/**
 * Claims outstanding deliveries (pending, or sent without a receipt and due again) of the given staff or ids and
 * marks them `sent` with a history row, in one statement. Rows are locked with SKIP LOCKED (it never waits for a
 * lock, so it cannot take part in a deadlock whatever its order) and pushed
 * `resendSeconds` into the future, so concurrent nodes never claim the same delivery for the same send. Ordered
 * by staff and seq. Sending happens after this commits: a crash in between leaves a `sent` row that is re-sent
 * when due.
 */
export async function claimDeliveries(sql: Sql, options: ClaimOptions): Promise<ClaimedDelivery[]> {
  const { staffIds, deliveryIds } = options;
  if (!staffIds?.length && !deliveryIds?.length) return [];
  // Each source is its own fragment, so every shape of this query gets its own prepared plan. The wanted ids are
  // joined, never filtered with `= any(array)`: on a plan that scans outstanding rows first (stale statistics, a
  // generic plan) that filter compares each row with the whole array — a 10,000-delivery broadcast took 5 s.
  const unique = (ids: string[] | undefined) => [...new Set(ids)];
  const wanted = deliveryIds?.length
    ? sql`unnest(${unique(deliveryIds)}::uuid[]) as wanted(id) join alert_deliveries d on d.id = wanted.id`
    : sql`unnest(${unique(staffIds)}::uuid[]) as wanted(staff_id) join alert_deliveries d on d.staff_id = wanted.staff_id`;
  const schedule = options.ignoreSchedule ? sql`` : sql`and d.next_send_at <= now()`;
  const rows = await sql<ClaimedDelivery[]>`
    with due as (
      select d.id, d.state as previous
        from ${wanted}
       where d.state in ('pending', 'sent') ${schedule}
         and d.send_count < ${options.maxSends}
       order by d.staff_id, d.seq
       limit ${options.limit ?? 5000}
       for update of d skip locked
    ), claimed as (
      update alert_deliveries d
         set state = 'sent', sent_at = coalesce(d.sent_at, now()), send_count = d.send_count + 1,
             next_send_at = now() + make_interval(secs => ${options.resendSeconds})
        from due
       where d.id = due.id
      returning d.id, d.alert_id, d.staff_id, d.seq, d.send_count, d.pending_at, due.previous
    ), history as (
      insert into alert_delivery_history (delivery_id, from_state, to_state, node_id, detail)
      select id, previous, 'sent', ${options.nodeId},
             case when send_count > 1 then 'send #' || send_count else null end
        from claimed
    )
    select id, alert_id as "alertId", staff_id as "staffId", seq::float8 as seq, 'sent'::delivery_state as state,
           send_count as "sendCount", extract(epoch from pending_at)::float8 * 1000 as "pendingAtMs"
      from claimed
     order by staff_id, seq`;
  return rows;
}

/**
 * Claims whose frames may not have been written (the dispatch failed after claiming): due again now, so the next
 * pass sends them instead of leaving them until the re-send interval. A frame that did go out is repeated, which
 * at-least-once delivery allows (clients de-duplicate by delivery id).
 */
export async function releaseClaims(sql: Sql, deliveryIds: string[]): Promise<number> {
  if (deliveryIds.length === 0) return 0;
  // An UPDATE … WHERE id = any(…) locks in whatever order the plan meets the rows: lock by id first (README
  // "Delivery guarantees": the global lock order), so a release cannot deadlock with a receipt batch or an ack.
  const rows = await sql`
    with released as materialized (
      select id from alert_deliveries where id = any(${deliveryIds}::uuid[]) and state = 'sent' order by id for update
    )
    update alert_deliveries d set next_send_at = now() from released where d.id = released.id
    returning d.id`;
  return rows.length;
}

/**
 * Outstanding deliveries due now (pending, or sent without a receipt and due again, with sends left), looked at
 * without locking, earliest due first, at most `limit`. Read from the outstanding-deliveries index: a sweep that
 * finds nothing due costs a look at an empty index range, however many staff the node holds (asked by staff id,
 * a node of 14,000 dashboards sent 14,000 ids and PostgreSQL compared them with every due row, every 2 s).
 */
export async function dueDeliveries(
  sql: Sql,
  input: { maxSends: number; limit: number },
): Promise<{ id: string; staffId: string }[]> {
  return sql<{ id: string; staffId: string }[]>`
    select id, staff_id as "staffId" from alert_deliveries
     where state in ('pending', 'sent') and next_send_at <= now() and send_count < ${input.maxSends}
     order by next_send_at
     limit ${input.limit}`;
}

/** A delivery looked at without claiming it: another node may be sending it right now. */
export interface PeekedDelivery {
  id: string;
  alertId: string;
  staffId: string;
  seq: number;
}

/**
 * Deliveries of the given staff in the given states, without locking or changing them. A node uses this next to
 * `claimDeliveries` so that a staff member connected to several nodes sees a new alert on every connection,
 * whichever node claimed (and records) the send.
 */
export async function peekDeliveries(
  sql: Sql,
  input: { staffIds?: string[]; alertIds?: string[]; deliveryIds?: string[]; states: DeliveryState[] },
): Promise<PeekedDelivery[]> {
  const { staffIds, alertIds, deliveryIds } = input;
  if (!staffIds?.length && !alertIds?.length && !deliveryIds?.length) return [];
  const target = deliveryIds?.length
    ? sql`id = any(${deliveryIds}::uuid[])`
    : alertIds?.length
      ? sql`alert_id = any(${alertIds}::uuid[])`
      : sql`staff_id = any(${staffIds ?? []}::uuid[])`;
  return sql<PeekedDelivery[]>`
    select id, alert_id as "alertId", staff_id as "staffId", seq::float8 as seq
      from alert_deliveries
     where ${target} and state = any(${input.states}::delivery_state[])
     order by staff_id, seq`;
}

/** Delivery ids per `sent` notification: a NOTIFY payload must stay under 8,000 bytes (a uuid is 36 of them). */
const SENT_IDS_PER_NOTIFICATION = 150;

/**
 * Tells the other nodes (NOTIFY on `SENT_CHANNEL`) that this node's sweep just sent these deliveries,
 * so that a staff member connected to several nodes gets every re-send on every connection. A hint, like every
 * NOTIFY here: if it is lost, the other connections still get the delivery by `resume`.
 */
export async function announceSent(sql: Sql, nodeId: string, deliveryIds: string[]): Promise<void> {
  const payloads: string[] = [];
  for (let start = 0; start < deliveryIds.length; start += SENT_IDS_PER_NOTIFICATION) {
    const notification: SentNotification = {
      nodeId,
      deliveryIds: deliveryIds.slice(start, start + SENT_IDS_PER_NOTIFICATION),
    };
    payloads.push(JSON.stringify(notification));
  }
  if (payloads.length === 0) return;
  await sql`select pg_notify(${SENT_CHANNEL}, payload) from unnest(${payloads}::text[]) as payload`;
}

/**
 * Gives up on sent deliveries that were sent `maxSends` times without a receipt: they become `failed` (the
 * alert's escalation carries on regardless, and a resuming dashboard still replays them). Safe on any node;
 * SKIP LOCKED, so it never waits for a lock.
 */
export async function failExhaustedDeliveries(sql: Sql, maxSends: number, nodeId: string): Promise<number> {
  const rows = await sql`
    with exhausted as (
      select id from alert_deliveries
       where state = 'sent' and send_count >= ${maxSends} and next_send_at <= now()
       for update skip locked
    ), failed as (
      update alert_deliveries d set state = 'failed', failed_at = now(), next_send_at = null,
             last_error = 'no receipt after ' || d.send_count || ' sends'
        from exhausted where d.id = exhausted.id
      returning d.id
    )
    insert into alert_delivery_history (delivery_id, from_state, to_state, node_id, detail)
    select id, 'sent', 'failed', ${nodeId}, 'no receipt' from failed
    returning delivery_id`;
  return rows.length;
}

/** A delivery replayed on `resume`, whatever its state now. */
export interface ReplayedDelivery {
  id: string;
  alertId: string;
  seq: number;
  state: DeliveryState;
}

/** One page of a replay: the deliveries of `staffId` with a sequence above `afterSeq`. */
export interface ReplayPageRequest {
  staffId: string;
  afterSeq: number;
}

/**
 * One page per request, in sequence order: every delivery of that staff member with a sequence above its
 * `afterSeq` (at most `limit`), for many staff members in one round trip (a reconnect storm brings thousands of
 * resumes at once). Deliveries still outstanding are recorded as sent again, as the replay sends them, without
 * using up the re-send budget (`send_count`): a replay is asked for by the client, and a dashboard reconnecting on
 * a flaky network must not turn deliveries `failed` for the same person's other devices. Per-staff sequences commit
 * in order (see createDeliveries), so nothing with a lower sequence can commit after this read.
 */
export async function replayDeliveryPages(
  sql: Sql,
  requests: readonly ReplayPageRequest[],
  options: { resendSeconds: number; nodeId: string; limit: number },
): Promise<ReplayedDelivery[][]> {
  if (requests.length === 0) return [];
  const rows = await sql<(ReplayedDelivery & { page: number })[]>`
    select wanted.page::int4 - 1 as page, d.id, d.alert_id as "alertId", d.seq::float8 as seq, d.state
      from unnest(${requests.map((request) => request.staffId)}::uuid[],
                  ${requests.map((request) => request.afterSeq)}::int8[]) with ordinality as wanted(staff_id, after_seq, page)
     cross join lateral (
       select id, alert_id, seq, state from alert_deliveries
        where staff_id = wanted.staff_id and seq > wanted.after_seq
        order by seq
        limit ${options.limit}
     ) d
     order by wanted.page, d.seq`;
  // The same delivery may be on two pages (two tabs of one person resuming together): mark it once.
  const outstanding = [
    ...new Set(rows.filter((row) => row.state === 'pending' || row.state === 'sent').map((row) => row.id)),
  ];
  if (outstanding.length > 0) {
    const marked = await sql<{ id: string }[]>`
      with marked as materialized (
        -- A join, not id = any(…): against the partial index of outstanding rows, a large array compared per row
        -- took seconds (see claimDeliveries).
        select d.id, d.state as previous
          from unnest(${outstanding}::uuid[]) as wanted(id) join alert_deliveries d on d.id = wanted.id
         where d.state in ('pending', 'sent')
         order by d.id -- the global lock order (README "Delivery guarantees")
           for update of d
      ), updated as (
        update alert_deliveries d
           set state = 'sent', sent_at = coalesce(d.sent_at, now()), send_count = greatest(d.send_count, 1),
               next_send_at = now() + make_interval(secs => ${options.resendSeconds})
          from marked where d.id = marked.id
        returning d.id, marked.previous
      )
      insert into alert_delivery_history (delivery_id, from_state, to_state, node_id, detail)
      select id, previous, 'sent', ${options.nodeId}, 'resume' from updated
      returning delivery_id as id`;
    const markedIds = new Set(marked.map((row) => row.id));
    for (const row of rows) if (markedIds.has(row.id)) row.state = 'sent';
  }
  const pages: ReplayedDelivery[][] = requests.map(() => []);
  for (const { page, ...row } of rows) pages[page]?.push(row);
  return pages;
}

/**
 * Per member, in input order: the highest sequence handed to them so far (what `welcome.lastSeq` reports), or null
 * when they are no longer an active staff member of that organisation — the "staff still active" rule's query
 * (core/auth/staff-active.ts answers the rule through it). One round trip for a burst of connections.
 */
export async function activeStaffSequences(
  sql: Sql,
  members: readonly { staffId: string; orgId: string }[],
): Promise<(number | null)[]> {
  const sequences: (number | null)[] = members.map(() => null);
  if (members.length === 0) return sequences;
  const rows = await sql<{ index: number; seq: string }[]>`
    select wanted.n::int4 - 1 as index, s.delivery_seq::text as seq
      from unnest(${members.map((member) => member.staffId)}::uuid[],
                  ${members.map((member) => member.orgId)}::uuid[]) with ordinality as wanted(staff_id, org_id, n)
      join staff s on s.id = wanted.staff_id and s.org_id = wanted.org_id
     where s.active`;
  for (const row of rows) sequences[row.index] = Number(row.seq);
  return sequences;
}

export type ReceiptResult = 'delivered' | 'already' | 'unknown';

export interface Receipt {
  deliveryId: string;
  staffId: string;
  orgId: string;
}

/**
 * Records client receipts: pending/sent → delivered with its timestamp and a history row, many in one statement
 * (a broadcast brings thousands at once). Only the staff member a delivery is for may confirm it; anything else
 * is `unknown` (indistinguishable from not existing). Rows are locked in id order, so concurrent batches on
 * several nodes cannot deadlock each other.
 */
export async function markDeliveredMany(sql: Sql, receipts: Receipt[], nodeId: string): Promise<ReceiptResult[]> {
  const [only] = receipts;
  if (!only) return [];
  // One receipt (the usual batch) as scalars: with arrays PostgreSQL plans the statement again on every execution.
  const input =
    receipts.length === 1
      ? sql`select ${only.deliveryId}::uuid as id, ${only.staffId}::uuid as staff_id, ${only.orgId}::uuid as org_id`
      : sql`select * from unnest(${receipts.map((r) => r.deliveryId)}::uuid[], ${receipts.map((r) => r.staffId)}::uuid[],
                                 ${receipts.map((r) => r.orgId)}::uuid[]) as t(id, staff_id, org_id)`;
  const rows = await sql<{ id: string; changed: boolean }[]>`
    with input as (${input}), target as (
      select d.id, d.state from alert_deliveries d
        join input i on i.id = d.id and i.staff_id = d.staff_id and i.org_id = d.org_id
       order by d.id
       for update of d
    ), updated as (
      update alert_deliveries d set state = 'delivered', delivered_at = now(), next_send_at = null
        from target where d.id = target.id and target.state in ('pending', 'sent')
      returning d.id, target.state as previous
    ), history as (
      insert into alert_delivery_history (delivery_id, from_state, to_state, node_id)
      select id, previous, 'delivered', ${nodeId} from updated
    )
    -- Exactly the targets still pending or sent were updated: no join back to 'updated' (CTE scans have no index,
    -- and a broadcast brings batches of 1,000 receipts).
    select id, state in ('pending', 'sent') as changed from target`;
  const found = new Map(rows.map((row) => [row.id, row.changed]));
  return receipts.map((receipt) => {
    const changed = found.get(receipt.deliveryId);
    if (changed === undefined) return 'unknown';
    return changed ? 'delivered' : 'already';
  });
}
