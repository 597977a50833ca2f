import type { BucketLimiter } from './limiter';

/**
 * In-process token buckets, refilled continuously; atomic because JavaScript runs one take at a time. Holds for one
 * process (one isolate on Workers) only. Idle buckets are dropped oldest first past `maxKeys`.
 */
export function createMemoryBucketLimiter(now: () => number = Date.now, maxKeys = 100_000): BucketLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  return {
    async take(key, rule) {
      const at = now();
      const bucket = buckets.get(key) ?? { tokens: rule.burst, at };
      const tokens = Math.min(rule.burst, bucket.tokens + ((at - bucket.at) / 1000) * rule.perSecond);
      buckets.delete(key);
      if (tokens >= 1) {
        buckets.set(key, { tokens: tokens - 1, at });
        if (buckets.size > maxKeys) {
          const oldest = buckets.keys().next().value;
          if (oldest !== undefined) buckets.delete(oldest);
        }
        return { allowed: true, retryAfterSeconds: 0 };
      }
      buckets.set(key, { tokens, at });
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((1 - tokens) / rule.perSecond)) };
    },
  };
}
