import type postgres from 'postgres';
import { retryTransactionOnce } from '../../retry';
import { CHANNEL_ATTEMPTS_CHANNEL } from '../channel';
import { channelRulesCte } from './create-attempts';
import { mayPushAgain } from './resend-lost-pushes';

/** What the new attempts' history says. */
const QUEUED = 'queued for a device subscribed while the alert was waiting for its owner';

/**
 * A staff member subscribed the device `to` (a new endpoint, or one again): their deliveries still waiting — the
 * alert not resolved, the delivery not acknowledged or superseded — get a push to it where their rules say push,
 * due when the rule's delay from the delivery's start says (at once if that has passed), as if the device had been
 * subscribed when the alert reached them. None where `to` already has that delivery's push on its way or shown, none
 * where the rule said "unless received" and it was, none after five gone ones (`mayPushAgain`). A phone whose
 * subscription expired (its pushes failed or were never queued) gets the emergency as soon as notifications are on
 * again, not at the next alert.
 *
 * One transaction per alert, locking the alert and the staff member (`FOR KEY SHARE`), then the deliveries by id
 * (README "Lock order"); its NOTIFY wakes the senders on commit. Returns how many were queued.
 */
export async function queueWaitingPushes(
  sql: postgres.Sql,
  input: { orgId: string; staffId: string; to: string },
): Promise<number> {
  const waiting = await sql<{ alertId: string; deliveryId: string }[]>`
    select al.id as "alertId", d.id as "deliveryId" from alerts al
      join alert_deliveries d on d.alert_id = al.id and d.staff_id = ${input.staffId}
                             and d.state not in ('acknowledged', 'superseded')
     where al.org_id = ${input.orgId} and al.status in ('open', 'acknowledged')`;
  const byAlert = new Map<string, string[]>();
  for (const { alertId, deliveryId } of waiting) byAlert.set(alertId, [...(byAlert.get(alertId) ?? []), deliveryId]);
  let queued = 0;
  for (const [alertId, deliveryIds] of byAlert) {
    queued += await retryTransactionOnce(() =>
      sql.begin(async (tx) => {
        await tx`select id from alerts where id = ${alertId} for key share`;
        await tx`select id from staff where id = ${input.staffId} for key share`;
        await tx`select id from alert_deliveries where id = any(${deliveryIds}::uuid[]) order by id for no key update`;
        const inserted = await tx<{ id: string }[]>`
          with waiting as (
            select d.id, d.staff_id from alert_deliveries d
              join alerts al on al.id = d.alert_id and al.status <> 'resolved'
             where d.id = any(${deliveryIds}::uuid[]) and d.state not in ('acknowledged', 'superseded')
          ), ${channelRulesCte(tx, { deliveries: 'waiting', alertId, orgId: input.orgId })}, queued as (
            insert into delivery_channel_attempts
              (org_id, alert_id, delivery_id, staff_id, channel, subscription_id, due_at, unless_received)
            select ${input.orgId}::uuid, ${alertId}::uuid, r.delivery_id, r.staff_id, 'push', s.id,
                   greatest(now(), d.pending_at + make_interval(secs => r.delay_seconds)), r.unless_received
              from channel_rules r
              join alert_deliveries d on d.id = r.delivery_id
              join push_subscriptions s on s.id = ${input.to} and s.gone_at is null and s.staff_id = r.staff_id
                                        and s.org_id = ${input.orgId}
             where r.channel = 'push' and not (r.unless_received and d.state = 'delivered')
               and ${mayPushAgain(tx, { delivery: tx`r.delivery_id`, subscription: tx`s.id` })}
            returning id, pg_notify(${CHANNEL_ATTEMPTS_CHANNEL}, '') as woken
          ), history as (
            insert into delivery_channel_attempt_history (attempt_id, from_state, to_state, detail)
            select id, null, 'queued', ${QUEUED} from queued
          )
          select id from queued`;
        return inserted.length;
      }),
    );
  }
  return queued;
}
