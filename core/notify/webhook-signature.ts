import { equalInConstantTime, hmacSha256Base64Url, hmacSha256Hex } from '../auth/hmac';

/**
 * Webhook signing, both ways (CareWatch → integration, and the integration's callbacks → CareWatch):
 *
 *   CareWatch-Webhook-Id: <unique id of this message>
 *   CareWatch-Timestamp:  <unix seconds>
 *   CareWatch-Signature:  v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>
 *
 * A receiver recomputes the HMAC over the raw body, compares in constant time, refuses a timestamp more than
 * `REPLAY_WINDOW_SECONDS` away from its clock, and remembers ids inside that window to refuse a replay.
 */
export const WEBHOOK_HEADERS = {
  id: 'carewatch-webhook-id',
  timestamp: 'carewatch-timestamp',
  signature: 'carewatch-signature',
  endpoint: 'carewatch-endpoint',
} as const;

export const REPLAY_WINDOW_SECONDS = 300;

/**
 * An endpoint's signing secret: derived from the server's INTEGRATION_SIGNING_KEY, never stored. Rotating bumps
 * `version`, which gives a new, unrelated secret; the old one stops working at once.
 */
export async function endpointSecret(signingKey: string, endpointId: string, version: number): Promise<string> {
  return `whsec_${await hmacSha256Base64Url(signingKey, `carewatch webhook secret v1|${endpointId}|${version}`)}`;
}

export async function signWebhook(secret: string, timestamp: number, body: string): Promise<string> {
  return `v1=${await hmacSha256Hex(secret, `${timestamp}.${body}`)}`;
}

export type WebhookSignatureCheck =
  | { valid: true }
  | { valid: false; reason: 'missing-headers' | 'stale-timestamp' | 'bad-signature' };

export async function verifyWebhookSignature(
  secret: string,
  headers: { timestamp: string | undefined; signature: string | undefined },
  body: string,
  nowMs = Date.now(),
): Promise<WebhookSignatureCheck> {
  const { timestamp, signature } = headers;
  if (!timestamp || !signature || !/^\d{1,12}$/.test(timestamp)) return { valid: false, reason: 'missing-headers' };
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > REPLAY_WINDOW_SECONDS) {
    return { valid: false, reason: 'stale-timestamp' };
  }
  const expected = await signWebhook(secret, Number(timestamp), body);
  // Several signatures may be sent (`v1=…, v1=…`) while a secret is being rotated on the integration's side.
  const offered = signature.split(',').map((part) => part.trim());
  return offered.some((candidate) => equalInConstantTime(candidate, expected))
    ? { valid: true }
    : { valid: false, reason: 'bad-signature' };
}
