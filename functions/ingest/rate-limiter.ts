/** Result of asking for one unit of a key's budget. */
export interface RateDecision {
  allowed: boolean;
  /** Whole seconds until one unit is available again (0 when allowed). */
  retryAfterSeconds: number;
}

/** A token bucket: `burst` units at most, refilled at `perSecond`. */
export interface RateRule {
  perSecond: number;
  burst: number;
}

/**
 * Decides whether a caller may spend one unit now. Implementations must be atomic per key: two concurrent takes
 * never both receive the last unit. The in-memory one below holds for a single process; a shared one (e.g. on
 * the Redis cache) is needed when several processes or isolates serve the same hubs.
 */
export interface RateLimiter {
  take(key: string, rule: RateRule): Promise<RateDecision>;
}

/** In-process token buckets (atomic because JavaScript runs one take at a time); idle buckets are swept. */
export function createMemoryRateLimiter(now: () => number = Date.now, maxKeys = 100_000): RateLimiter {
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
