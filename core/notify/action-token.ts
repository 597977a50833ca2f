import { equalInConstantTime, hmacSha256Base64Url } from '../auth/hmac';

/**
 * The token a push notification carries so that its Acknowledge button works from a lock screen, without the
 * console's session: `<attempt id>.<expiry, unix seconds>.<HMAC>`. Bound to one channel attempt (and so to one
 * delivery: one person, one alert), short-lived, and spent on first use (`delivery_channel_attempts.
 * action_token_used_at`); it also lets the service worker report the push's receipt. Signed with a key derived
 * from JWT_SECRET, which both the realtime node (that writes it) and the API (that checks it) hold; nothing is
 * stored before the push goes out, so a receipt can never arrive before its token is known.
 */
const PURPOSE = 'carewatch push action token v1';
const ATTEMPT_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export async function signActionToken(jwtSecret: string, attemptId: string, expiresAt: Date): Promise<string> {
  const payload = `${attemptId}.${Math.floor(expiresAt.getTime() / 1000)}`;
  return `${payload}.${await hmacSha256Base64Url(jwtSecret, `${PURPOSE}|${payload}`)}`;
}

export type ActionTokenCheck =
  | { valid: true; attemptId: string }
  | { valid: false; reason: 'malformed' | 'bad-signature' | 'expired' };

export async function verifyActionToken(jwtSecret: string, token: string, now = new Date()): Promise<ActionTokenCheck> {
  const parts = token.split('.');
  const [attemptId, expires, signature] = parts;
  if (parts.length !== 3 || !attemptId || !expires || !signature) return { valid: false, reason: 'malformed' };
  if (!ATTEMPT_ID.test(attemptId) || !/^\d{1,12}$/.test(expires)) return { valid: false, reason: 'malformed' };
  const expected = await hmacSha256Base64Url(jwtSecret, `${PURPOSE}|${attemptId}.${expires}`);
  if (!equalInConstantTime(signature, expected)) return { valid: false, reason: 'bad-signature' };
  if (Number(expires) * 1000 <= now.getTime()) return { valid: false, reason: 'expired' };
  return { valid: true, attemptId };
}
