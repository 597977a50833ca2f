/** What a limiter answers for one request. */
export interface LimitDecision {
  allowed: boolean;
  /** Whole seconds until the request could be allowed again (0 when allowed, at least 1 when not). */
  retryAfterSeconds: number;
}

/** A token bucket: `burst` units at most, refilled at `perSecond`; a new bucket starts full. */
export interface BucketRule {
  perSecond: number;
  burst: number;
}

/**
 * Spends one unit of a key's bucket. Atomic per key among everyone sharing the implementation's store: two
 * concurrent takes never both receive the last unit (one process for the in-process one, every process and isolate
 * for the Redis one).
 */
export interface BucketLimiter {
  take(key: string, rule: BucketRule): Promise<LimitDecision>;
}

/** At most `limit` hits per key in each fixed window of `windowSeconds`, windows aligned to the Unix epoch. */
export interface WindowRule {
  limit: number;
  windowSeconds: number;
}

/** One counted hit; `refund` takes it back. */
export interface WindowHit extends LimitDecision {
  /**
   * Uncounts this hit (only meaningful for an allowed one). A no-op once its window has ended, so a refund can never
   * lend the next window an extra hit; a refund that cannot reach the store is logged and dropped (the hit stays
   * counted: the safe side).
   */
  refund(): Promise<void>;
}

/**
 * Counts hits per key in fixed windows. Counting and deciding are one atomic step per key (increment, then compare),
 * so N concurrent hits on a key with `limit` L allow exactly min(N, L) of them: there is no read-then-write gap. A
 * refused hit is counted too (the count only tells whether the limit is passed).
 */
export interface WindowLimiter {
  hit(key: string, rule: WindowRule): Promise<WindowHit>;
}

/** The limiters a service uses, and where their counts live. */
export interface Limiters {
  /** `shared`: one Redis for every process and isolate (with the outage rules of `outage-policy.ts`). */
  readonly kind: 'memory' | 'shared';
  readonly bucket: BucketLimiter;
  readonly window: WindowLimiter;
}

/** Whole seconds from `now` until `atMs`, at least 1 (a Retry-After of 0 would invite an immediate retry). */
export function secondsUntil(atMs: number, now: number): number {
  return Math.max(1, Math.ceil((atMs - now) / 1000));
}
