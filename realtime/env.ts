import * as v from 'valibot';
import { databaseUrl, jwtSecret, logLevel, port, upstashToken, upstashUrl } from '../core/env';

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
});

export type RealtimeConfig = v.InferOutput<typeof RealtimeEnv>;
