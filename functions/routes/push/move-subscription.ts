import { and, eq, ne, notExists } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import { equalInConstantTime } from '../../../core/auth/hmac';
import type { Database } from '../../../db/client';
import { deliveryChannelAttempts, pushSubscriptions, staff } from '../../../db/schema';
import { isUniqueViolation } from '../../lib/postgres-errors';
import type { SubscriptionValues } from '../push-subscriptions/acceptable-subscription';

type Transaction = Parameters<Parameters<Database['transaction']>[0]>[0];

/**
 * Moves the push subscription at `oldEndpoint` to `fresh` (`pushsubscriptionchange`) when `oldAuth` is its secret
 * and its owner is still active; false when none matches. The subscription keeps its id and owner, so pushes queued
 * for it go to the new endpoint. Run again once when a subscribe of the new endpoint commits in between (the endpoint
 * is unique): the second run finds that row and merges into it.
 */
export async function moveSubscription(
  db: Database,
  input: { oldEndpoint: string; oldAuth: string; fresh: SubscriptionValues },
): Promise<boolean> {
  try {
    return await db.transaction((tx) => moveIn(tx, input));
  } catch (error) {
    if (!isUniqueViolation(error)) throw error;
    return db.transaction((tx) => moveIn(tx, input));
  }
}

async function moveIn(
  tx: Transaction,
  { oldEndpoint, oldAuth, fresh }: { oldEndpoint: string; oldAuth: string; fresh: SubscriptionValues },
): Promise<boolean> {
  const [old] = await tx
    .select({ subscription: pushSubscriptions, active: staff.active })
    .from(pushSubscriptions)
    .innerJoin(staff, eq(staff.id, pushSubscriptions.staffId))
    .where(eq(pushSubscriptions.endpoint, oldEndpoint))
    .for('no key update', { of: pushSubscriptions });
  if (!old?.active || !equalInConstantTime(unpadded(old.subscription.auth), unpadded(oldAuth))) return false;
  const { id, staffId, userAgent } = old.subscription;
  const keys = {
    p256dh: fresh.p256dh,
    auth: fresh.auth,
    userAgent: fresh.userAgent ?? userAgent,
    updatedAt: new Date(),
  };
  if (fresh.endpoint !== oldEndpoint) {
    // As when a browser subscribes: the endpoint is that browser's, so another person's row for it goes (their queued
    // pushes are cancelled, never sent to this device); one of the same person takes this one's queued pushes.
    await tx
      .delete(pushSubscriptions)
      .where(and(eq(pushSubscriptions.endpoint, fresh.endpoint), ne(pushSubscriptions.staffId, staffId)));
    const [same] = await tx
      .update(pushSubscriptions)
      .set(keys)
      .where(eq(pushSubscriptions.endpoint, fresh.endpoint))
      .returning({ id: pushSubscriptions.id });
    if (same) {
      await moveQueuedAttempts(tx, id, same.id);
      await tx.delete(pushSubscriptions).where(eq(pushSubscriptions.id, id));
      return true;
    }
  }
  await tx
    .update(pushSubscriptions)
    .set({ ...keys, endpoint: fresh.endpoint, lastSuccessAt: null })
    .where(eq(pushSubscriptions.id, id));
  return true;
}

/** Queued attempts of one subscription to another, except where that one already has the delivery's push. */
async function moveQueuedAttempts(tx: Transaction, from: string, to: string): Promise<void> {
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
