import type postgres from 'postgres';
import { retryTransactionOnce } from '../../retry';
import { CHANNEL_ATTEMPTS_CHANNEL } from '../channel';

/** What the new attempts' history says. */
const RESENT = 'sent again: the subscription moved after its push service said the old endpoint was gone';

/** Pushes of one delivery that may fail as gone before none is queued again (someone flipping between dead endpoints). */
const GONE_PUSHES_PER_DELIVERY = 5;

type Fragment = postgres.PendingQuery<postgres.Row[]>;

/**
 * SQL condition: `delivery` may get another push to `subscription` — the subscription has none of it on its way or
 * shown, and fewer than GONE_PUSHES_PER_DELIVERY of it failed there as gone.
 */
export function mayPushAgain(
  sql: postgres.Sql | postgres.TransactionSql,
  { delivery, subscription }: { delivery: Fragment; subscription: Fragment },
): Fragment {
  return sql`
    not exists (
      select 1 from delivery_channel_attempts other
       where other.delivery_id = ${delivery} and other.subscription_id = ${subscription}
         and other.state in ('queued', 'sent', 'delivered'))
    and (select count(*) from delivery_channel_attempts gone
          where gone.delivery_id = ${delivery} and gone.subscription_id = ${subscription}
            and gone.channel = 'push' and gone.state = 'failed'
            and gone.provider_status in (404, 410)) < ${GONE_PUSHES_PER_DELIVERY}`;
}

/**
 * Queues afresh, due now, for the subscription `to`, the given push attempts its old endpoint lost (failed 404/410),
 * for deliveries still waiting for someone — the alert not resolved, the delivery not acknowledged or superseded,
 * nor received already where the rule said "unless received" — one per delivery, none while `to` is itself called
 * gone, none where `to` already has a push
 * of that delivery on its way or shown, and none after GONE_PUSHES_PER_DELIVERY gone ones. For a subscription moved
 * to a new endpoint (`pushsubscriptionchange`): the push service often says "gone" before the browser tells us the
 * new endpoint, and the emergency on its way would otherwise never reach that phone.
 *
 * A transaction of its own, after the move has committed (no subscription lock is held here): the alerts, the staff,
 * then the deliveries are locked by id first (README "Lock order"), and the attempts are read after that, so two of
 * these for the same delivery queue one push. Its NOTIFY wakes the senders on commit. Returns how many were queued.
 */
export async function resendLostPushes(
  sql: postgres.Sql,
  input: { attemptIds: string[]; to: string },
): Promise<number> {
  if (input.attemptIds.length === 0) return 0;
  return retryTransactionOnce(() =>
    sql.begin(async (tx) => {
      await tx`
          select id from alerts
           where id in (select alert_id from delivery_channel_attempts where id = any(${input.attemptIds}::uuid[]))
           order by id for key share`;
      await tx`
          select id from staff
           where id in (select staff_id from delivery_channel_attempts where id = any(${input.attemptIds}::uuid[]))
           order by id for key share`;
      await tx`
          select id from alert_deliveries
           where id in (select delivery_id from delivery_channel_attempts where id = any(${input.attemptIds}::uuid[]))
           order by id for no key update`;
      const queued = await tx<{ id: string }[]>`
          with lost as (
            select distinct on (a.delivery_id) a.org_id, a.alert_id, a.delivery_id, a.staff_id, a.unless_received
              from delivery_channel_attempts a
              join alert_deliveries d on d.id = a.delivery_id
              join alerts al on al.id = a.alert_id
             where a.id = any(${input.attemptIds}::uuid[]) and a.channel = 'push' and a.state = 'failed'
               and a.provider_status in (404, 410)
               and al.status <> 'resolved' and d.state not in ('acknowledged', 'superseded')
               and not (a.unless_received and d.state = 'delivered')
               and ${mayPushAgain(tx, { delivery: tx`a.delivery_id`, subscription: tx`${input.to}::uuid` })}
             order by a.delivery_id
          ), queued as (
            insert into delivery_channel_attempts
              (org_id, alert_id, delivery_id, staff_id, channel, subscription_id, due_at, unless_received)
            select lost.org_id, lost.alert_id, lost.delivery_id, lost.staff_id, 'push', s.id, now(), lost.unless_received
              from lost join push_subscriptions s on s.id = ${input.to} and s.gone_at is null
                                      and s.staff_id = lost.staff_id and s.org_id = lost.org_id
            returning id, pg_notify(${CHANNEL_ATTEMPTS_CHANNEL}, '') as woken
          ), history as (
            insert into delivery_channel_attempt_history (attempt_id, from_state, to_state, detail)
            select id, null, 'queued', ${RESENT} from queued
          )
          select id from queued`;
      return queued.length;
    }),
  );
}
