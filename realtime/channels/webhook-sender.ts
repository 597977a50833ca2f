import { webhookMessage } from '../../core/notify/webhook-message';
import { endpointSecret, signWebhook, WEBHOOK_HEADERS } from '../../core/notify/webhook-signature';
import type { AttemptOutcome } from '../../db/alerts/channels/attempt-outcome';
import type { ClaimedAttempt } from '../../db/alerts/channels/claim-attempts';
import { outboundPost } from './outbound-post';
import { outcomeOf, type RetryPolicy } from './retry-policy';

export interface WebhookSettings {
  signingKey: string;
  publicUrl: string;
  timeoutMs: number;
  allowPrivate: boolean;
  retry: RetryPolicy;
}

/**
 * Endpoint secrets derived so far, per sender's settings (so per signing key): a derivation is an HMAC, and one
 * endpoint receives every alert of its centre.
 */
const derived = new WeakMap<WebhookSettings, Map<string, Promise<string>>>();
const SECRETS_KEPT = 1_000;

function secretOf(settings: WebhookSettings, endpointId: string, version: number): Promise<string> {
  let secrets = derived.get(settings);
  if (!secrets) {
    secrets = new Map();
    derived.set(settings, secrets);
  }
  // The version is in the key: a rotated secret is derived afresh, never served from here.
  const key = `${endpointId} ${version}`;
  let secret = secrets.get(key);
  if (!secret) {
    if (secrets.size >= SECRETS_KEPT) secrets.clear();
    secret = endpointSecret(settings.signingKey, endpointId, version);
    secrets.set(key, secret);
  }
  return secret;
}

/**
 * Sends one webhook attempt: a signed POST (`core/notify/webhook-signature`) whose id is the attempt's, so an
 * integration that gets a retry of a request it already handled can tell. 2xx: sent; the attempt is delivered when
 * the integration calls back.
 */
export async function sendWebhook(attempt: ClaimedAttempt, settings: WebhookSettings): Promise<AttemptOutcome> {
  const target = attempt.webhook;
  if (!target) return { kind: 'failed', providerStatus: null, detail: 'webhook attempt without an endpoint' };
  const body = JSON.stringify(webhookMessage(attempt, { publicUrl: settings.publicUrl, timeZone: attempt.timeZone }));
  const timestamp = Math.floor(Date.now() / 1000);
  const secret = await secretOf(settings, target.endpointId, target.secretVersion);
  const answer = await outboundPost(target.url, {
    headers: {
      'content-type': 'application/json',
      'user-agent': 'CareWatch-Webhooks/1',
      [WEBHOOK_HEADERS.id]: attempt.id,
      [WEBHOOK_HEADERS.timestamp]: timestamp,
      [WEBHOOK_HEADERS.signature]: await signWebhook(secret, timestamp, body),
      [WEBHOOK_HEADERS.endpoint]: target.endpointId,
    },
    body,
    timeoutMs: settings.timeoutMs,
    allowPrivate: settings.allowPrivate,
  });
  return outcomeOf(answer, attempt.tries, settings.retry);
}
