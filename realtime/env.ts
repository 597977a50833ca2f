import * as v from 'valibot';
import {
  databaseUrl,
  integrationSigningKey,
  jwtSecret,
  logLevel,
  outboundAllowPrivate,
  port,
  upstashToken,
  upstashUrl,
  vapidPrivateKey,
  vapidPublicKey,
} from '../core/env';

const positive = (fallback: string) =>
  v.pipe(v.optional(v.string(), fallback), v.transform(Number), v.number(), v.minValue(0.001));
const count = (fallback: string) =>
  v.pipe(v.optional(v.string(), fallback), v.transform(Number), v.integer(), v.minValue(1));

/** Configuration of the realtime node, read from `process.env`. */
export const RealtimeEnv = v.object({
  DATABASE_URL: databaseUrl,
  JWT_SECRET: jwtSecret,
  REALTIME_PORT: port('8788'),
  LOG_LEVEL: logLevel,
  /** Identifies this node in delivery history rows; defaults to host:pid. */
  NODE_ID: v.optional(v.pipe(v.string(), v.minLength(1))),
  /** Seconds before a sent delivery without a receipt is sent again. */
  REALTIME_RESEND_SECONDS: positive('15'),
  /** Sends without a receipt before a delivery is marked failed (escalation goes on regardless). */
  REALTIME_MAX_SENDS: count('8'),
  /** Safety-net sweep for outstanding deliveries (lost NOTIFY, resends, restart). */
  REALTIME_SWEEP_MS: count('2000'),
  /** How often this node runs the escalation sweep (every node may; SKIP LOCKED keeps it single). */
  REALTIME_ESCALATION_MS: count('1000'),
  /** Every connection gets a `ping` frame this often (browsers cannot see protocol pings; answer with `pong`). */
  REALTIME_PING_SECONDS: count('25'),
  /** Connected staff are checked this often; a deactivated account's dashboards are closed with 4001. */
  REALTIME_STAFF_RECHECK_SECONDS: count('30'),
  /**
   * At most this many dashboard connections here; more are refused with 503 (nginx tries the next node). Default and
   * ceiling: the process's open-file limit less REALTIME_FD_RESERVE (`connection-capacity.ts`).
   */
  REALTIME_MAX_CONNECTIONS: v.optional(v.pipe(v.string(), v.transform(Number), v.integer(), v.minValue(1))),
  /** Open files kept from dashboards for the database pools, cameras, media files and handshakes under way. */
  REALTIME_FD_RESERVE: count('512'),
  /** Deadline for the first-frame `auth` when the token was not in the subprotocol. */
  REALTIME_AUTH_TIMEOUT_MS: count('5000'),
  /**
   * The API's shared cache (Upstash or the REST bridge). When set, this node drops cached resident profiles on
   * alert changes (`watchAlertChanges`), so a Workers deployment of the API, which cannot LISTEN, stays fresh.
   */
  UPSTASH_REDIS_REST_URL: upstashUrl,
  UPSTASH_REDIS_REST_TOKEN: upstashToken,
  /** uWS idle timeout; the server pings automatically well before it. Multiple of 4, at least 8. */
  REALTIME_IDLE_TIMEOUT_SECONDS: v.pipe(
    count('60'),
    // uWS aborts the process on anything else ("idleTimeout must be either 0 or greater than 8!").
    v.check((seconds) => seconds >= 8 && seconds % 4 === 0, 'must be a multiple of 4, at least 8'),
  ),
  /** Web Push: with both keys this node sends push attempts (`realtime/channels`). */
  VAPID_PUBLIC_KEY: vapidPublicKey,
  VAPID_PRIVATE_KEY: vapidPrivateKey,
  /** Who push services contact about this sender (RFC 8292 `sub`): a mailto: or https: URL. */
  VAPID_SUBJECT: v.optional(
    v.pipe(v.string(), v.regex(/^(mailto:|https:\/\/)/, 'must be a mailto: or https: URL')),
    'mailto:alerts@carewatch.invalid',
  ),
  /** With it this node sends webhook attempts, signed with each endpoint's derived secret. */
  INTEGRATION_SIGNING_KEY: integrationSigningKey,
  /**
   * The origin staff and integrations reach the API at (e.g. https://care.example.org): push notifications report
   * receipts there and webhooks carry their callback URL under it. Empty: push messages use paths relative to the
   * service worker's origin; webhook callback URLs are then paths too.
   */
  PUBLIC_URL: v.pipe(
    v.optional(v.string(), ''),
    v.transform((url) => url.replace(/\/+$/, '')),
  ),
  /** How long a push service keeps an undelivered alert push for a phone that is offline. */
  PUSH_TTL_SECONDS: count('3600'),
  /**
   * Days a push subscription its push service called gone (404/410) is kept, unused, for the browser's late
   * `pushsubscriptionchange` to move it; deleted after that.
   */
  PUSH_GONE_RETENTION_DAYS: count('30'),
  /** How long a push notification's Acknowledge button works. */
  PUSH_ACTION_TOKEN_SECONDS: count('3600'),
  /** One push or webhook request, answer included, at most this long. */
  CHANNEL_TIMEOUT_MS: count('5000'),
  /** Requests per channel attempt before it is failed (429, 5xx, timeouts are retried with backoff). */
  CHANNEL_MAX_TRIES: count('5'),
  /** Push and webhook requests in flight at once on this node. */
  CHANNEL_CONCURRENCY: count('64'),
  /** How long a claimed attempt is this node's; a killed node's attempts are sent by another after it. */
  CHANNEL_LEASE_SECONDS: count('30'),
  /** The channel sender looks for due attempts at least this often. */
  CHANNEL_POLL_MS: count('1000'),
  OUTBOUND_ALLOW_PRIVATE: outboundAllowPrivate,
  NODE_ENV: v.optional(v.string()),
});

export type RealtimeConfig = v.InferOutput<typeof RealtimeEnv>;
