import * as v from 'valibot';
import {
  ConfigError,
  databaseUrl,
  integrationSigningKey,
  jwtSecret,
  logLevel,
  OUTBOUND_PRIVATE_MESSAGE,
  outboundAllowPrivate,
  outboundPrivateOnlyInTests,
  parseEnv,
  port,
  upstashToken,
  upstashUrl,
  vapidPublicKey,
} from '../core/env';
import { MediaEnv } from '../core/media/media-env';
import { normaliseIp } from './lib/client-ip';

/** Configuration of the functions app, read from `process.env` on Node and from bindings on Workers. */
export const FunctionsEnv = v.object({
  DATABASE_URL: databaseUrl,
  JWT_SECRET: jwtSecret,
  PORT: port('8787'),
  LOG_LEVEL: logLevel,
  /** Comma-separated origins allowed by CORS (the mobile web app); empty = same-origin only. */
  CORS_ORIGINS: v.pipe(
    v.optional(v.string(), ''),
    v.transform((text) =>
      text
        .split(',')
        .map((origin) => origin.trim())
        .filter(Boolean),
    ),
  ),
  /**
   * Comma-separated IPs of reverse proxies in front of the Node server (nginx). A request whose socket peer is one
   * of them gets its client IP from `X-Forwarded-For` (rightmost untrusted entry); empty = the socket peer. Node
   * only: Workers use `cf-connecting-ip`.
   */
  TRUSTED_PROXIES: v.pipe(
    v.optional(v.string(), ''),
    v.transform((text) =>
      text
        .split(',')
        .map((address) => address.trim())
        .filter(Boolean),
    ),
    v.check(
      (addresses) => addresses.every((address) => /^[0-9a-fA-F:.]+$/.test(address)),
      'must be comma-separated IP addresses',
    ),
    v.transform((addresses) => new Set(addresses.map(normaliseIp))),
  ),
  UPSTASH_REDIS_REST_URL: upstashUrl,
  UPSTASH_REDIS_REST_TOKEN: upstashToken,
  /** Ingest batches a hub may send per second (token bucket refill) and in a burst; beyond it answers 429. */
  INGEST_HUB_RATE_PER_SECOND: v.pipe(v.optional(v.string(), '5'), v.transform(Number), v.number(), v.minValue(0.01)),
  INGEST_HUB_BURST: v.pipe(v.optional(v.string(), '20'), v.transform(Number), v.integer(), v.minValue(1)),
  /**
   * How long a rate-limit decision may wait for the shared Redis before counting as an outage (ingest then allows,
   * login uses this process's own counters: `core/limits/outage-policy.ts`). Only read when UPSTASH_* are set.
   */
  RATE_LIMIT_TIMEOUT_MS: v.pipe(
    v.optional(v.string(), '300'),
    v.transform(Number),
    v.integer(),
    v.minValue(1),
    v.maxValue(60_000),
  ),
  /** How often a Node process evaluates the silence rules (no activity, hub offline); 0 turns it off. */
  /**
   * How long a process trusts that a staff member is still active before asking the database again (0 = every
   * request); at most 30 s, the realtime node's staff recheck. A deactivation counts at once in its own process.
   */
  STAFF_ACTIVE_TTL_MS: v.pipe(
    v.optional(v.string(), '30000'),
    v.transform(Number),
    v.integer(),
    v.minValue(0),
    v.maxValue(30_000),
  ),
  SILENCE_CHECK_INTERVAL_MS: v.pipe(v.optional(v.string(), '60000'), v.transform(Number), v.integer(), v.minValue(0)),
  /** Handed to browsers that subscribe to Web Push (`GET /v1/push/config`); unset: push is unavailable. */
  VAPID_PUBLIC_KEY: vapidPublicKey,
  /** Derives webhook endpoints' secrets (shown on create and rotate) and checks integrations' callbacks. */
  INTEGRATION_SIGNING_KEY: integrationSigningKey,
  OUTBOUND_ALLOW_PRIVATE: outboundAllowPrivate,
  NODE_ENV: v.optional(v.string()),
  /** Where event media is read from (MEDIA_STORE, MEDIA_DIR, MEDIA_S3_*): the realtime node's store, shared. */
  ...MediaEnv.pipe[0].entries,
});

export type FunctionsConfig = v.InferOutput<typeof FunctionsEnv>;

/** Parses the functions' configuration, with the checks that span fields. */
export function parseFunctionsEnv(source: Record<string, unknown>): FunctionsConfig {
  const config = parseEnv(FunctionsEnv, source);
  if (!outboundPrivateOnlyInTests(config)) throw new ConfigError([OUTBOUND_PRIVATE_MESSAGE]);
  // The media fields' check across fields (MEDIA_STORE=s3 needs its endpoint, bucket and keys).
  parseEnv(MediaEnv, source);
  return config;
}
