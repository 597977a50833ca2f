import type postgres from 'postgres';
import type { AlertKind, AlertSeverity, AlertStatus } from '../../schema/alerts';
import type { NotificationChannel } from '../../schema/notifications';

type Sql = postgres.Sql | postgres.TransactionSql;

/** A due channel attempt leased to this node, with what its message says. */
export interface ClaimedAttempt {
  id: string;
  channel: NotificationChannel;
  /** Requests made so far, this one included. */
  tries: number;
  orgId: string;
  alertId: string;
  deliveryId: string;
  alert: {
    kind: AlertKind;
    severity: AlertSeverity;
    status: AlertStatus;
    title: string;
    openedAt: string;
    escalationLevel: number;
  };
  resident: { id: string; name: string };
  staff: { id: string; name: string; language: 'ko' | 'en'; phone: string | null };
  /** Set for a push attempt. */
  push: { subscriptionId: string; endpoint: string; p256dh: string; auth: string } | null;
  /** Set for a webhook attempt. */
  webhook: { endpointId: string; url: string; secretVersion: number } | null;
  /** The organisation's time zone (its settings; Asia/Seoul by default): notification texts give local times. */
  timeZone: string;
  /** When the delivery was created (epoch ms): latency is measured from here. */
  deliveryCreatedAtMs: number;
}

/**
 * Leases up to `limit` due channel attempts to this node: queued, due, and not leased to a live claim. Rows are
 * taken with SKIP LOCKED and leased for `leaseSeconds`, so two nodes never send the same attempt at once and a
 * node killed mid-send leaves attempts that another node (or this one, restarted) sends once the lease runs out.
 * In the same statement, attempts nobody needs any more are cancelled with history: the alert was resolved, the
 * delivery acknowledged or superseded, received first on another channel (`unless_received`), the subscription
 * was removed or its push service said it is gone, or the endpoint was removed or disabled.
 * Only the `channels` this node is configured to send are claimed (a node without VAPID keys leaves push attempts
 * to one with them). The attempt stays `queued` until the provider answers (see `recordAttemptOutcome`). `at` stands in for the
 * database's clock (tests of delays); leases are still counted from the database's now.
 */
export async function claimDueAttempts(
  sql: Sql,
  input: { nodeId: string; leaseSeconds: number; limit: number; channels: NotificationChannel[]; at?: Date },
): Promise<ClaimedAttempt[]> {
  const at = input.at?.toISOString() ?? null;
  return sql<ClaimedAttempt[]>`
    with due as (
      select a.id from delivery_channel_attempts a
       where a.state = 'queued' and a.due_at <= coalesce(${at}::timestamptz, now())
         and a.channel = any(${input.channels}::notification_channel[])
         and (a.lease_until is null or a.lease_until <= coalesce(${at}::timestamptz, now()))
       order by a.due_at
       limit ${input.limit}
         for update skip locked
    ), judged as (
      select a.id,
             case
               when al.status = 'resolved' then 'alert resolved'
               when d.state in ('acknowledged', 'superseded') then 'delivery ' || d.state
               when a.unless_received and d.state = 'delivered' then 'received on another channel first'
               when a.channel = 'push' and a.subscription_id is null then 'push subscription removed'
               when a.channel = 'push' and ps.gone_at is not null then 'push subscription gone at its push service'
               when a.channel = 'webhook' and (e.id is null or not e.active) then 'webhook endpoint removed or disabled'
             end as cancel_reason
        from due
        join delivery_channel_attempts a on a.id = due.id
        join alert_deliveries d on d.id = a.delivery_id
        join alerts al on al.id = a.alert_id
        left join push_subscriptions ps on ps.id = a.subscription_id
        left join webhook_endpoints e on e.id = a.endpoint_id
    ), cancelled as (
      update delivery_channel_attempts a
         set state = 'cancelled', cancelled_at = now(), detail = judged.cancel_reason, updated_at = now()
        from judged where a.id = judged.id and judged.cancel_reason is not null
      returning a.id, a.detail
    ), cancelled_history as (
      insert into delivery_channel_attempt_history (attempt_id, from_state, to_state, node_id, detail)
      select id, 'queued', 'cancelled', ${input.nodeId}, detail from cancelled
    ), claimed as (
      update delivery_channel_attempts a
         set lease_until = now() + make_interval(secs => ${input.leaseSeconds}), claimed_by = ${input.nodeId},
             tries = a.tries + 1, updated_at = now()
        from judged where a.id = judged.id and judged.cancel_reason is null
      returning a.*
    )
    select c.id, c.channel, c.tries, c.org_id as "orgId", c.alert_id as "alertId", c.delivery_id as "deliveryId",
           json_build_object('kind', al.kind, 'severity', al.severity, 'status', al.status, 'title', al.title,
                             'openedAt', al.opened_at, 'escalationLevel', al.escalation_level) as alert,
           json_build_object('id', r.id, 'name', r.name) as resident,
           json_build_object('id', st.id, 'name', st.name, 'language', st.language, 'phone', st.phone) as staff,
           case when s.id is null then null
                else json_build_object('subscriptionId', s.id, 'endpoint', s.endpoint, 'p256dh', s.p256dh,
                                       'auth', s.auth) end as push,
           case when e.id is null then null
                else json_build_object('endpointId', e.id, 'url', e.url, 'secretVersion', e.secret_version) end
             as webhook,
           coalesce(o.settings->>'timeZone', 'Asia/Seoul') as "timeZone",
           extract(epoch from d.pending_at)::float8 * 1000 as "deliveryCreatedAtMs"
      from claimed c
      join organisations o on o.id = c.org_id
      join alert_deliveries d on d.id = c.delivery_id
      join alerts al on al.id = c.alert_id
      join residents r on r.id = al.resident_id
      join staff st on st.id = c.staff_id
      left join push_subscriptions s on s.id = c.subscription_id
      left join webhook_endpoints e on e.id = c.endpoint_id
     order by c.due_at`;
}

/**
 * When the sender should next look (null: nothing queued): the earliest due time of a queued attempt, or, for one
 * leased right now (a request under way), when its lease runs out — counting a leased attempt as due would have the
 * sender claim in a loop, finding nothing, while its own requests run.
 */
export async function nextAttemptDue(sql: Sql, channels: NotificationChannel[]): Promise<Date | null> {
  const [row] = await sql<{ at: Date | null }[]>`
    select min(case when lease_until > now() then lease_until else due_at end) as at
      from delivery_channel_attempts
     where state = 'queued' and channel = any(${channels}::notification_channel[])`;
  return row?.at ?? null;
}
