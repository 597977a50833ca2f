import webPush from 'web-push';
import { signActionToken } from '../../core/notify/action-token';
import type { AttemptOutcome } from '../../db/alerts/channels/attempt-outcome';
import type { ClaimedAttempt } from '../../db/alerts/channels/claim-attempts';
import { outboundPost } from './outbound-post';
import { pushMessage, pushTopic } from './push-message';
import { outcomeOf, type RetryPolicy } from './retry-policy';
import type { VapidAuthorization } from './vapid-authorization';

export interface PushSettings {
  vapid: VapidAuthorization;
  jwtSecret: string;
  /** Origin of the console and API the service worker reports to ('' = the service worker's own origin). */
  publicUrl: string;
  /** How long a push service keeps an undelivered message (an alert older than this is no news by push). */
  ttlSeconds: number;
  /** How long the Acknowledge button works. */
  actionTokenSeconds: number;
  timeoutMs: number;
  allowPrivate: boolean;
  retry: RetryPolicy;
}

/**
 * Sends one push attempt: the message encrypted for the subscription (RFC 8291, aes128gcm) with a VAPID JWT
 * (RFC 8292, reused per push service) by the `web-push` library, `Urgency: high` for critical alerts, one `Topic` per alert; POSTed by
 * `outboundPost` (bounded time, no private addresses). 404/410 mean the subscription is gone.
 */
export async function sendPush(attempt: ClaimedAttempt, settings: PushSettings): Promise<AttemptOutcome> {
  const target = attempt.push;
  if (!target) return { kind: 'failed', providerStatus: null, detail: 'push attempt without a subscription' };
  const expiresAt = new Date(Date.now() + settings.actionTokenSeconds * 1000);
  const token = await signActionToken(settings.jwtSecret, attempt.id, expiresAt);
  const message = pushMessage(attempt, { token, publicUrl: settings.publicUrl, timeZone: attempt.timeZone });
  let request: ReturnType<typeof webPush.generateRequestDetails>;
  try {
    request = webPush.generateRequestDetails(
      { endpoint: target.endpoint, keys: { p256dh: target.p256dh, auth: target.auth } },
      JSON.stringify(message),
      {
        headers: { Authorization: settings.vapid.headerFor(target.endpoint) },
        TTL: settings.ttlSeconds,
        urgency: attempt.alert.severity === 'critical' ? 'high' : 'normal',
        topic: pushTopic(attempt.alertId),
        contentEncoding: 'aes128gcm',
      },
    );
  } catch (error) {
    // Keys the browser never made (checked at subscribe time, so a row edited by hand): no try can work.
    return {
      kind: 'failed',
      providerStatus: null,
      detail: `cannot encrypt for this subscription: ${(error as Error).message}`,
    };
  }
  const answer = await outboundPost(request.endpoint, {
    headers: request.headers as Record<string, string>,
    body: request.body ?? '',
    timeoutMs: settings.timeoutMs,
    allowPrivate: settings.allowPrivate,
  });
  if (answer.ok && (answer.status === 404 || answer.status === 410)) {
    return {
      kind: 'gone',
      providerStatus: answer.status,
      detail: `push service: subscription gone (HTTP ${answer.status})`,
      endpoint: target.endpoint,
    };
  }
  return outcomeOf(answer, attempt.tries, settings.retry);
}
