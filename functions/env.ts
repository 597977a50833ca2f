import * as v from 'valibot';
import { normaliseIp } from './lib/client-ip';

const optionalText = v.optional(v.pipe(v.string(), v.trim(), v.minLength(1)));
/** A TCP port; 0 asks the OS for a free one (tests). */
const port = (fallback: string) =>
  v.pipe(v.optional(v.string(), fallback), v.transform(Number), v.integer(), v.minValue(0), v.maxValue(65_535));

/** Configuration of the functions app, read from `process.env` on Node and from bindings on Workers. */
export const FunctionsEnv = v.object({
  DATABASE_URL: v.pipe(
    v.string('DATABASE_URL is required'),
    v.regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  ),
  JWT_SECRET: v.pipe(v.string('JWT_SECRET is required'), v.minLength(32, 'must be at least 32 characters')),
  PORT: port('8787'),
  LOG_LEVEL: v.optional(v.picklist(['debug', 'info', 'warn', 'error']), 'info'),
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
  UPSTASH_REDIS_REST_URL: v.optional(v.pipe(v.string(), v.url())),
  UPSTASH_REDIS_REST_TOKEN: optionalText,
  /** Ingest batches a hub may send per second (token bucket refill) and in a burst; beyond it answers 429. */
  INGEST_HUB_RATE_PER_SECOND: v.pipe(v.optional(v.string(), '5'), v.transform(Number), v.number(), v.minValue(0.01)),
  INGEST_HUB_BURST: v.pipe(v.optional(v.string(), '20'), v.transform(Number), v.integer(), v.minValue(1)),
  /** How often a Node process evaluates the silence rules (no activity, hub offline); 0 turns it off. */
  SILENCE_CHECK_INTERVAL_MS: v.pipe(v.optional(v.string(), '60000'), v.transform(Number), v.integer(), v.minValue(0)),
});

export type FunctionsConfig = v.InferOutput<typeof FunctionsEnv>;

export class ConfigError extends Error {
  constructor(readonly issues: string[]) {
    super(`invalid configuration:\n${issues.map((issue) => `  - ${issue}`).join('\n')}`);
  }
}

/** Parses configuration once at start; every bad field is reported together. */
export function parseEnv<TSchema extends v.GenericSchema>(
  schema: TSchema,
  source: Record<string, unknown>,
): v.InferOutput<TSchema> {
  const result = v.safeParse(schema, source, { abortEarly: false });
  if (result.success) return result.output;
  throw new ConfigError(result.issues.map((issue) => `${v.getDotPath(issue) ?? '(root)'}: ${issue.message}`));
}
