import { verifyActionToken } from '../../../core/notify/action-token';
import { findAttempt, type ReportedAttempt, recordAttemptReceived } from '../../../db/alerts/channels/attempt-reports';
import { resendLostPushes } from '../../../db/alerts/channels/resend-lost-pushes';
import { acknowledgeThroughAttempt } from '../../lib/acknowledge-through-attempt';
import { API_NODE } from '../../lib/api-node';
import type { AppContext } from '../../lib/context';
import { handle } from '../../lib/handlers';
import { ApiError } from '../../lib/problem';
import { acceptableSubscription } from '../push-subscriptions/acceptable-subscription';
import { moveSubscription } from './move-subscription';
import * as routes from './push.routes';

export const config = handle(...routes.config, (c) =>
  c.json({ publicKey: c.env.services.config.VAPID_PUBLIC_KEY ?? null }, 200),
);

export const receipt = handle(...routes.receipt, async (c) => {
  const attempt = await attemptOfToken(c, c.req.valid('json').token);
  await recordAttemptReceived(c.env.services.sql, attempt, { nodeId: API_NODE, detail: 'shown by the service worker' });
  return c.body(null, 204);
});

export const ack = handle(...routes.ack, async (c) => {
  const attempt = await attemptOfToken(c, c.req.valid('json').token);
  // The token stands for its person: a deactivated account's notifications acknowledge nothing.
  const result = await acknowledgeThroughAttempt(c.env.services, attempt, {
    nodeId: API_NODE,
    detail: 'acknowledged from the push notification',
    spendActionToken: true,
    inactive: () => new ApiError({ code: 'UNAUTHORIZED', detail: 'The account is no longer active' }),
  });
  if (result.outcome === 'unknown') throw unknownToken();
  if (result.outcome === 'token-spent') {
    throw new ApiError({ code: 'CONFLICT', detail: 'This notification was already used to acknowledge' });
  }
  return c.json({ outcome: result.outcome, alertId: result.alertId }, 200);
});

export const subscriptionChange = handle(...routes.subscriptionChange, async (c) => {
  const body = c.req.valid('json');
  const fresh = await acceptableSubscription(c, body.subscription, 'body.subscription');
  const { db, sql, logger } = c.env.services;
  const { outcome, lost } = URL.canParse(body.oldEndpoint)
    ? await moveSubscription(db, { oldEndpoint: new URL(body.oldEndpoint).href, oldAuth: body.oldAuth, fresh })
    : { outcome: 'unknown' as const, lost: undefined };
  if (lost) {
    // The move is committed: a failure here loses those pushes (escalation goes on), not the device's subscription.
    await resendLostPushes(sql, lost).catch((error: unknown) =>
      logger.error('queueing the pushes a moved subscription lost failed', {
        requestId: c.get('requestId'),
        error: (error as Error).message,
      }),
    );
  }
  if (outcome === 'unknown') {
    throw new ApiError({ code: 'NOT_FOUND', detail: 'No push subscription has that endpoint and secret' });
  }
  if (outcome === 'taken') {
    throw new ApiError({
      code: 'CONFLICT',
      detail: 'Another person has this device now; its old subscription was removed',
    });
  }
  return c.body(null, 204);
});

const unknownToken = () => new ApiError({ code: 'NOT_FOUND', detail: 'No such notification' });

/** The push attempt a token names; a forged, malformed or unknown token is a 404, an expired one a 410. */
async function attemptOfToken(c: AppContext, token: string): Promise<ReportedAttempt> {
  const { config, sql } = c.env.services;
  const check = await verifyActionToken(config.JWT_SECRET, token);
  if (!check.valid) {
    if (check.reason === 'expired') throw new ApiError({ code: 'GONE', detail: 'This notification has expired' });
    throw unknownToken();
  }
  const attempt = await findAttempt(sql, check.attemptId);
  if (attempt?.channel !== 'push') throw unknownToken();
  return attempt;
}
