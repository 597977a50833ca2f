import { Ratelimit } from '@upstash/ratelimit';
import type { Redis } from '@upstash/redis';
import { type BucketLimiter, type BucketRule, secondsUntil, type WindowLimiter, type WindowRule } from './limiter';

/** Every limiter key in Redis starts with this (the library appends `:<key>`, and `:<window>` for windows). */
export const LIMIT_KEY_PREFIX = 'cw:limits';

/**
 * A refund is skipped in the last second of its window: the library picks the window from the clock when the refund
 * is sent, and a refund that landed in the next window would lend it an extra hit. Skipping costs nothing that lasts,
 * the hit's window being about to end.
 */
const REFUND_MARGIN_MS = 1000;

/**
 * `@upstash/ratelimit` on the shared Redis: each decision is one Lua script (EVALSHA, EVAL when Redis does not have
 * it yet), so it is atomic across every process and isolate. The library's own timeout is off (`timeout: 0`): it
 * would answer "allowed" on a slow Redis, and the caller decides what an outage means (`outage-policy.ts`); a failure
 * rejects, bounded by the client's own timeout.
 */
function ratelimitFor(redis: Redis, limiter: ConstructorParameters<typeof Ratelimit>[0]['limiter'], cache: boolean) {
  return new Ratelimit({
    redis,
    limiter,
    prefix: LIMIT_KEY_PREFIX,
    timeout: 0,
    analytics: false,
    enableTelemetry: false,
    // The library's in-process memory of keys it refused (until their reset): it saves a round trip per refused
    // request and can only refuse, never allow. It keeps one entry per key ever refused (only authenticated hubs
    // reach the bucket, so it is bounded by the hubs there are). Off where refunds exist: Redis alone decides there.
    ephemeralCache: cache ? new Map() : false,
  });
}

/** One Ratelimit per rule (rules come from configuration, so there are a handful). */
function perRule<TRule, TValue>(make: (rule: TRule) => TValue): (rule: TRule) => TValue {
  const made = new Map<string, TValue>();
  return (rule) => {
    const id = JSON.stringify(rule);
    let value = made.get(id);
    if (!value) {
      value = make(rule);
      made.set(id, value);
    }
    return value;
  };
}

/**
 * The library's token bucket adds `refillRate` tokens per whole `interval`: one token every 1/perSecond s (rounded
 * to the millisecond), or perSecond/1000 tokens a millisecond past 1,000 a second. Same burst and long-run rate as
 * the in-process bucket, refilled in steps rather than continuously.
 */
export function tokenBucketFor(rule: BucketRule) {
  const intervalMs = Math.round(1000 / rule.perSecond);
  return intervalMs >= 1
    ? Ratelimit.tokenBucket(1, `${intervalMs} ms`, rule.burst)
    : Ratelimit.tokenBucket(rule.perSecond / 1000, '1 ms', rule.burst);
}

/** Token buckets in Redis. Rejects when Redis cannot be asked. */
export function createUpstashBucketLimiter(redis: Redis): BucketLimiter {
  const limiterFor = perRule((rule: BucketRule) => ratelimitFor(redis, tokenBucketFor(rule), true));
  return {
    async take(key, rule) {
      const { success, reset } = await limiterFor(rule).limit(key);
      return { allowed: success, retryAfterSeconds: success ? 0 : secondsUntil(reset, Date.now()) };
    },
  };
}

/** Fixed windows in Redis (INCRBY and PEXPIRE in one script). Rejects when Redis cannot be asked. */
export function createUpstashWindowLimiter(redis: Redis): WindowLimiter {
  const limiterFor = perRule((rule: WindowRule) =>
    ratelimitFor(redis, Ratelimit.fixedWindow(rule.limit, `${rule.windowSeconds} s`), false),
  );
  return {
    async hit(key, rule) {
      const limiter = limiterFor(rule);
      const { success, reset } = await limiter.limit(key);
      let refunded = false;
      return {
        allowed: success,
        retryAfterSeconds: success ? 0 : secondsUntil(reset, Date.now()),
        async refund() {
          if (!success || refunded || Date.now() >= reset - REFUND_MARGIN_MS) return;
          refunded = true;
          await limiter.limit(key, { rate: -1 });
        },
      };
    },
  };
}
