import { and, eq, inArray, notExists, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { equalInConstantTime } from '../../../core/auth/hmac';
import type { Database, DatabaseTransaction } from '../../../db/client';
import { deliveryChannelAttempts, pushSubscriptions, staff } from '../../../db/schema';
import { isUniqueViolation } from '../../lib/postgres-errors';
import type { SubscriptionValues } from '../push-subscriptions/acceptable-subscription';

/** What a move did: `moved`; `unknown` (no active person's subscription has that endpoint and secret); `taken`. */
export type MoveOutcome = 'moved' | 'unknown' | 'taken';

/** A move's outcome and, when it moved, the pushes its old endpoint lost, to queue again for `to` once committed. */
export interface Move {
  outcome: MoveOutcome;
  lost?: { attemptIds: string[]; to: string };
}

/**
 * Moves the push subscription at `oldEndpoint` to `fresh` (`pushsubscriptionchange`) when `oldAuth` is its secret
 * and its owner is still active — also one its push service has meanwhile called gone (kept for this, and in use
 * again after the move). The subscription keeps its id and owner, so pushes queued for it go to the new endpoint;
 * those its old endpoint lost (gone) are returned, for `resendLostPushes` after the commit (it locks alerts, which
 * come before anything held here in the lock order). A new endpoint another person has registered (with a session:
 * a handed-over phone) stays theirs: this request has none, so the old subscription is removed instead (`taken`) and
 * its queued pushes are cancelled, never shown on that person's device. Run again once when a subscribe of the new endpoint commits in between (the
 * endpoint is unique): the second run finds that row.
 */
export async function moveSubscription(
  db: Database,
  input: { oldEndpoint: string; oldAuth: string; fresh: SubscriptionValues },
): Promise<Move> {
  try {
    return await db.transaction((tx) => moveIn(tx, input));
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return db.transaction((tx) => moveIn(tx, input));
  }
}

async function moveIn(
  tx: DatabaseTransaction,
  { oldEndpoint, oldAuth, fresh }: { oldEndpoint: string; oldAuth: string; fresh: SubscriptionValues },
): Promise<Move> {
  // FOR UPDATE, not less: the endpoint (a unique key) is what changes.
  const [old] = await tx
    .select({ subscription: pushSubscriptions, active: staff.active })
    .from(pushSubscriptions)
    .innerJoin(staff, eq(staff.id, pushSubscriptions.staffId))
    .where(eq(pushSubscriptions.endpoint, oldEndpoint))
    .for('update', { of: pushSubscriptions });
  if (!old?.active || !equalInConstantTime(unpadded(old.subscription.auth), unpadded(oldAuth))) {
    return { outcome: 'unknown' };
  }
  const { id, staffId, userAgent } = old.subscription;
  const keys = {
    p256dh: fresh.p256dh,
    auth: fresh.auth,
    userAgent: fresh.userAgent ?? userAgent,
    // In use again, if its push service had said the old endpoint was gone before this change reached us.
    goneAt: null,
    updatedAt: new Date(),
  };
  if (fresh.endpoint !== oldEndpoint) {
    const [owner] = await tx
      .select({ id: pushSubscriptions.id, staffId: pushSubscriptions.staffId })
      .from(pushSubscriptions)
      .where(eq(pushSubscriptions.endpoint, fresh.endpoint))
      .for('update');
    if (owner && owner.staffId !== staffId) {
      await tx.delete(pushSubscriptions).where(eq(pushSubscriptions.id, id));
      return { outcome: 'taken' };
    }
    if (owner) {
      // The same person registered the new endpoint already: one subscription, with the browser's latest keys and
      // this one's queued pushes.
      await tx.update(pushSubscriptions).set(keys).where(eq(pushSubscriptions.id, owner.id));
      await moveQueuedAttempts(tx, id, owner.id);
      const lost = await lostPushes(tx, id);
      await tx.delete(pushSubscriptions).where(eq(pushSubscriptions.id, id));
      return { outcome: 'moved', lost: { attemptIds: lost, to: owner.id } };
    }
  }
  await tx
    .update(pushSubscriptions)
    .set({ ...keys, endpoint: fresh.endpoint, lastSuccessAt: null })
    .where(eq(pushSubscriptions.id, id));
  return { outcome: 'moved', lost: { attemptIds: await lostPushes(tx, id), to: id } };
}

/**
 * The subscription's pushes that failed as gone, of alerts not resolved, read (without locks) before a merge deletes
 * the subscription and its attempts lose the reference.
 */
async function lostPushes(tx: DatabaseTransaction, subscriptionId: string): Promise<string[]> {
  const rows = await tx
    .select({ id: deliveryChannelAttempts.id })
    .from(deliveryChannelAttempts)
    .where(
      and(
        eq(deliveryChannelAttempts.subscriptionId, subscriptionId),
        eq(deliveryChannelAttempts.channel, 'push'),
        eq(deliveryChannelAttempts.state, 'failed'),
        inArray(deliveryChannelAttempts.providerStatus, [404, 410]),
        sql`${deliveryChannelAttempts.alertId} in (select id from alerts where status <> 'resolved')`,
      ),
    );
  return rows.map((row) => row.id);
}

/** Queued attempts of one subscription to another, except where that one already has the delivery's push. */
async function moveQueuedAttempts(tx: DatabaseTransaction, from: string, to: string): Promise<void> {
  const attempts = deliveryChannelAttempts;
  const alreadyThere = alias(deliveryChannelAttempts, 'already_there');
  await tx
    .update(attempts)
    .set({ subscriptionId: to, updatedAt: new Date() })
    .where(
      and(
        eq(attempts.subscriptionId, from),
        eq(attempts.state, 'queued'),
        notExists(
          tx
            .select({ id: alreadyThere.id })
            .from(alreadyThere)
            .where(and(eq(alreadyThere.deliveryId, attempts.deliveryId), eq(alreadyThere.subscriptionId, to))),
        ),
      ),
    );
}

const unpadded = (base64Url: string) => base64Url.replace(/=+$/, '');
