import { sql } from 'drizzle-orm';
import type { DatabaseTransaction } from '../../client';
import { CHANNEL_ATTEMPTS_CHANNEL } from '../channel';

/** What the new attempts' history says. */
const RESENT = 'sent again: the subscription moved after its push service said the old endpoint was gone';

/**
 * Queues afresh, due now, the pushes a subscription lost to its old endpoint: its attempts that failed because the
 * push service said that endpoint was gone (404/410), for deliveries still waiting for someone (alert not resolved,
 * delivery not acknowledged or superseded), one per delivery, to the subscription `to` (itself, or the one of the
 * same person it merges into) where that one has no other push of that delivery. For the transaction that moves the subscription to its new endpoint (`pushsubscriptionchange`):
 * the push service often says "gone" before the browser tells us the new endpoint, and the emergency on its way
 * would otherwise never reach that phone. The claim still cancels what is no longer needed when it comes to send.
 * Returns how many were queued; their NOTIFY wakes the senders on commit.
 */
export async function resendLostPushes(
  tx: DatabaseTransaction,
  subscriptions: { lostBy: string; to: string },
): Promise<number> {
  const { lostBy, to } = subscriptions;
  const rows = await tx.execute<{ id: string }>(sql`
    with lost as (
      select distinct on (a.delivery_id) a.org_id, a.alert_id, a.delivery_id, a.staff_id, a.unless_received
        from delivery_channel_attempts a
        join alert_deliveries d on d.id = a.delivery_id
        join alerts al on al.id = a.alert_id
       where a.subscription_id = ${lostBy} and a.channel = 'push' and a.state = 'failed'
         and a.provider_status in (404, 410)
         and al.status <> 'resolved' and d.state not in ('acknowledged', 'superseded')
         and not exists (
           select 1 from delivery_channel_attempts other
            where other.delivery_id = a.delivery_id and other.subscription_id = ${to}
              and other.state in ('queued', 'sent', 'delivered'))
       order by a.delivery_id
    ), queued as (
      insert into delivery_channel_attempts
        (org_id, alert_id, delivery_id, staff_id, channel, subscription_id, due_at, unless_received)
      select org_id, alert_id, delivery_id, staff_id, 'push', ${to}::uuid, now(), unless_received from lost
      returning id, pg_notify(${CHANNEL_ATTEMPTS_CHANNEL}, '') as woken
    ), history as (
      insert into delivery_channel_attempt_history (attempt_id, from_state, to_state, detail)
      select id, null, 'queued', ${RESENT} from queued
    )
    select id from queued`);
  return rows.length;
}
