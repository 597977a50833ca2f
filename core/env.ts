import * as v from 'valibot';

/** A TCP port; 0 asks the OS for a free one (tests). */
export const port = (fallback: string) =>
  v.pipe(v.optional(v.string(), fallback), v.transform(Number), v.integer(), v.minValue(0), v.maxValue(65_535));

export const optionalText = v.optional(v.pipe(v.string(), v.trim(), v.minLength(1)));

export const databaseUrl = v.pipe(
  v.string('DATABASE_URL is required'),
  v.regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
);

export const jwtSecret = v.pipe(v.string('JWT_SECRET is required'), v.minLength(32, 'must be at least 32 characters'));

export const logLevel = v.optional(v.picklist(['debug', 'info', 'warn', 'error']), 'info');

/** The API's shared cache (Upstash or the project's REST bridge); both services read the same pair. */
export const upstashUrl = v.optional(v.pipe(v.string(), v.url()));
export const upstashToken = optionalText;

/** What the shared cache needs from either service's configuration. */
export interface SharedCacheConfig {
  UPSTASH_REDIS_REST_URL?: string | undefined;
  UPSTASH_REDIS_REST_TOKEN?: string | undefined;
}

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

/** An optional value where an empty string means unset (compose passes `${VAR:-}` as ''). */
const emptyIsUnset = <TSchema extends v.GenericSchema<string, string>>(schema: TSchema) =>
  v.pipe(
    v.optional(v.string()),
    v.transform((text) => (text === '' ? undefined : text)),
    v.optional(schema),
  );

/**
 * Web Push VAPID keys (RFC 8292), base64url as `web-push generate-vapid-keys` prints them: the realtime node signs
 * with the pair, the API hands the public key to browsers that subscribe. Unset: no push.
 */
export const vapidPublicKey = emptyIsUnset(
  v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{86,87}$/, 'must be a base64url P-256 public key (65 bytes)')),
);
export const vapidPrivateKey = emptyIsUnset(
  v.pipe(v.string(), v.regex(/^[A-Za-z0-9_-]{43}$/, 'must be a base64url P-256 private key (32 bytes)')),
);

/** Derives each webhook endpoint's signing secret (`core/notify/webhook-signature`). Unset: no webhooks. */
export const integrationSigningKey = emptyIsUnset(
  v.pipe(v.string(), v.minLength(32, 'INTEGRATION_SIGNING_KEY must be at least 32 characters')),
);

/**
 * `true` lets push endpoints and webhooks use plain HTTP and private or loopback addresses: a test's local push
 * service and receiver. Refused unless NODE_ENV is `test` (see `outboundPrivateOnlyInTests`).
 */
export const outboundAllowPrivate = v.pipe(
  v.optional(v.picklist(['true', 'false']), 'false'),
  v.transform((text) => text === 'true'),
);

/** The check every service's configuration carries: private outbound addresses only in test mode. */
export function outboundPrivateOnlyInTests(config: { OUTBOUND_ALLOW_PRIVATE: boolean; NODE_ENV?: string | undefined }) {
  return !config.OUTBOUND_ALLOW_PRIVATE || config.NODE_ENV === 'test';
}
export const OUTBOUND_PRIVATE_MESSAGE = 'OUTBOUND_ALLOW_PRIVATE=true is only allowed with NODE_ENV=test';
