import type postgres from 'postgres';
import { CHANNEL_ATTEMPTS_CHANNEL } from '../channel';
import { defaultChannelRules } from './default-rules';

type Sql = postgres.Sql | postgres.TransactionSql;

/**
 * The CTE `channel_rules` (delivery_id, staff_id, channel, delay_seconds, unless_received, endpoint_id): for each
 * delivery of the CTE `deliveries` (columns id, staff_id) of one alert, the staff member's override for the alert's
 * severity, else the organisation's rule, else the default, one row per channel entry.
 */
export function channelRulesCte(
  sql: Sql,
  input: { deliveries: string; alertId: string; orgId: string },
): postgres.PendingQuery<postgres.Row[]> {
  const deliveries = sql(input.deliveries);
  return sql`
    channel_rules as (
      -- Read defensively: a rule row is JSON the API validated, but one edited by hand must never fail the statement
      -- that raises an emergency. Not an array: the default; a delay that is no number: at once; clamped to a day.
      select nd.id as delivery_id, nd.staff_id, c.entry ->> 'channel' as channel,
             case when jsonb_typeof(c.entry -> 'delaySeconds') = 'number'
                  then least(greatest((c.entry -> 'delaySeconds')::numeric, 0), 86400)::float8 else 0 end
               as delay_seconds,
             coalesce(c.entry -> 'unlessReceived' = 'true'::jsonb, false) as unless_received,
             case when c.entry ->> 'endpointId' ~* '^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$'
                  then (c.entry ->> 'endpointId')::uuid end as endpoint_id
        from ${deliveries} nd
        cross join (select severity from alerts where id = ${input.alertId}) alert
        left join lateral (
          select r.channels from notification_rules r
           where r.org_id = ${input.orgId} and r.severity = alert.severity
             and (r.staff_id = nd.staff_id or r.staff_id is null)
           order by r.staff_id nulls last
           limit 1
        ) rule on true
        cross join lateral jsonb_array_elements(
          case when jsonb_typeof(rule.channels) = 'array' then rule.channels
               else ${JSON.stringify(defaultChannelRules)}::jsonb -> alert.severity::text end
        ) as c(entry)
    )`;
}

/**
 * CTEs creating the channel attempts of new deliveries, for the statement that creates them (`createDeliveries`):
 * for each delivery and entry of its rules (`channelRulesCte`), one attempt per push subscription of that person (not one its push service called gone) and per named
 * (or, unnamed, every active) webhook endpoint of the organisation, due `delaySeconds` after now, each with its first
 * history row, and a wake-up on CHANNEL_ATTEMPTS_CHANNEL when there is at least one (PostgreSQL sends one
 * notification per transaction for identical ones). `deliveries` is a CTE of the statement with columns (id, staff_id).
 */
export function channelAttemptCtes(
  sql: Sql,
  input: { deliveries: string; alertId: string; orgId: string; nodeId: string | null },
): postgres.PendingQuery<postgres.Row[]> {
  return sql`
    ${channelRulesCte(sql, input)}, channel_attempts as (
      insert into delivery_channel_attempts
        (org_id, alert_id, delivery_id, staff_id, channel, subscription_id, endpoint_id, due_at, unless_received)
      select ${input.orgId}::uuid, ${input.alertId}::uuid, r.delivery_id, r.staff_id, 'push'::notification_channel, s.id, null::uuid,
             now() + make_interval(secs => r.delay_seconds), r.unless_received
        from channel_rules r join push_subscriptions s on s.staff_id = r.staff_id and s.gone_at is null
       where r.channel = 'push'
      union all
      select ${input.orgId}::uuid, ${input.alertId}::uuid, r.delivery_id, r.staff_id, 'webhook'::notification_channel, null::uuid, e.id,
             now() + make_interval(secs => r.delay_seconds), r.unless_received
        from channel_rules r
        join webhook_endpoints e on e.org_id = ${input.orgId} and e.active
                                 and (r.endpoint_id is null or e.id = r.endpoint_id)
       where r.channel = 'webhook'
      returning id, pg_notify(${CHANNEL_ATTEMPTS_CHANNEL}, '') as woken
    ), channel_attempt_history as (
      insert into delivery_channel_attempt_history (attempt_id, from_state, to_state, node_id)
      select id, null, 'queued', ${input.nodeId} from channel_attempts
    )`;
}
