import type postgres from 'postgres';
import type { AlertStatus } from '../schema/alerts';
import { ackTimeoutOfAlert } from './ack-timeout';
import { markAttemptDelivered } from './channels/attempt-reports';
import { cancelQueuedAttemptsCtes } from './channels/cancel-attempts';
import { notify } from './notify';
import { alertTransition } from './state-machine';
import { supersedeOutstanding } from './supersede';

export type AcknowledgeResult =
  | { outcome: 'acknowledged'; alertId: string }
  /** Someone (maybe this person, on another device) acknowledged first; nothing changed. */
  | { outcome: 'already'; alertId: string; acknowledgedBy: string | null }
  | { outcome: 'unknown' }
  /** The channel attempt's single-use action token was spent before; nothing changed. */
  | { outcome: 'token-spent'; alertId: string };

/** The channel attempt an acknowledgement came through (a push's Acknowledge action, an integration callback). */
export interface AcknowledgedVia {
  attemptId: string;
  /** Spend the attempt's single-use action token: refused ('token-spent') if it was spent already. */
  spendActionToken: boolean;
  /** History text, e.g. "acknowledged from the lock screen". */
  detail: string;
}

class TokenSpent extends Error {
  constructor(readonly alertId: string) {
    super('action token spent');
  }
}

/**
 * A human acknowledged the alert of one of their deliveries. In one transaction: the alert becomes acknowledged
 * (who and when) and its escalation stops; this delivery becomes `acknowledged`; every other outstanding delivery
 * of the alert becomes `superseded`; a NOTIFY tells every node to push `alert.updated`. The alert row is locked
 * first, so two simultaneous acknowledgements serialise and exactly one wins. `next_escalation_at` becomes the
 * acknowledgement's deadline (the organisation's timeout for the severity): the escalation sweep re-triggers the
 * alert then if it is still unresolved.
 *
 * Lock order (README "Delivery guarantees"): the alert, then every delivery this changes in one statement by id —
 * the order receipt batches and every other multi-delivery statement use, so none of them can deadlock with an ack.
 */
export async function acknowledgeDelivery(
  sql: postgres.Sql,
  input: { deliveryId: string; staffId: string; orgId: string; nodeId: string; via?: AcknowledgedVia },
): Promise<AcknowledgeResult> {
  return (await sql
    .begin(async (tx) => {
      const [delivery] = await tx<{ alertId: string }[]>`
      select alert_id as "alertId" from alert_deliveries
       where id = ${input.deliveryId} and staff_id = ${input.staffId} and org_id = ${input.orgId}`;
      if (!delivery) return { outcome: 'unknown' } satisfies AcknowledgeResult;
      const [alert] = await tx<{ status: AlertStatus; acknowledgedBy: string | null }[]>`
      select status, acknowledged_by as "acknowledgedBy" from alerts where id = ${delivery.alertId} for update`;
      if (!alert) return { outcome: 'unknown' } satisfies AcknowledgeResult;
      if (!alertTransition('acknowledge', alert.status)) {
        await throughAttempt(tx, input, delivery.alertId);
        return { outcome: 'already', alertId: delivery.alertId, acknowledgedBy: alert.acknowledgedBy };
      }
      const ackTimeout = await ackTimeoutOfAlert(tx, delivery.alertId);
      await tx`
      select id from alert_deliveries
       where alert_id = ${delivery.alertId} and (id = ${input.deliveryId} or state in ('pending', 'sent', 'delivered'))
       order by id
         for update`;
      await tx`
      update alerts set status = 'acknowledged', acknowledged_at = now(), acknowledged_by = ${input.staffId},
             next_escalation_at = now() + make_interval(secs => ${ackTimeout}::float8), updated_at = now()
       where id = ${delivery.alertId}`;
      await tx`
      with acked as (
        update alert_deliveries d
           set state = 'acknowledged', acknowledged_at = now(), delivered_at = coalesce(d.delivered_at, now()),
               next_send_at = null
          from alert_deliveries prior
         where d.id = prior.id and d.id = ${input.deliveryId}
        returning d.id, prior.state as previous
      )
      insert into alert_delivery_history (delivery_id, from_state, to_state, node_id, detail)
      select id, previous, 'acknowledged', ${input.nodeId}, 'acknowledged by this staff member' from acked`;
      await throughAttempt(tx, input, delivery.alertId);
      // This delivery is acknowledged now, so the supersede below does not see its queued attempts.
      await tx`
        with ${cancelQueuedAttemptsCtes(tx, tx`a.delivery_id = ${input.deliveryId}`, input.nodeId, 'alert acknowledged')}
        select 1`;
      await supersedeOutstanding(tx, [delivery.alertId], input.nodeId, 'alert acknowledged by another staff member');
      await notify(tx, { alertId: delivery.alertId, change: 'acknowledged' });
      return { outcome: 'acknowledged', alertId: delivery.alertId } satisfies AcknowledgeResult;
    })
    .catch((error: unknown) => {
      if (!(error instanceof TokenSpent)) throw error;
      return { outcome: 'token-spent', alertId: error.alertId } satisfies AcknowledgeResult;
    })) as AcknowledgeResult;
}

/**
 * The attempt the acknowledgement came through was evidently received: it becomes delivered (and its token spent)
 * before the alert's other queued attempts are cancelled. Attempts come after alerts and deliveries in the lock
 * order, which this keeps. A spent token rolls the whole acknowledgement back.
 */
async function throughAttempt(
  tx: postgres.TransactionSql,
  input: { deliveryId: string; nodeId: string; via?: AcknowledgedVia },
  alertId: string,
): Promise<void> {
  const { via } = input;
  if (!via) return;
  const [attempt] = await tx<{ spent: boolean }[]>`
    select action_token_used_at is not null as spent from delivery_channel_attempts
     where id = ${via.attemptId} and delivery_id = ${input.deliveryId}
       for update`;
  if (!attempt) throw new Error('acknowledged through an attempt of another delivery');
  if (via.spendActionToken && attempt.spent) throw new TokenSpent(alertId);
  await markAttemptDelivered(tx, via.attemptId, {
    nodeId: input.nodeId,
    detail: via.detail,
    spendActionToken: via.spendActionToken,
  });
}
