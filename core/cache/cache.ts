/**
 * A read-through cache. Implementations never throw: a failing backend behaves as a miss, so the API stays
 * correct (uncached) when the cache is down, and `health()` reports the outage.
 *
 * Race rule: a reader that loaded from the database before a write committed must never put the old value back
 * after the write invalidated it. `invalidate` replaces the value with a marker unique to that invalidation, and
 * `readThrough` stores what it loaded only if the key still holds exactly what it held before the load (nothing,
 * or the same marker): a compare-and-set. A load slower than `INVALIDATION_HOLD_SECONDS` (the marker's lifetime)
 * is the only way a stale value can return, and then only until its TTL.
 */
export interface Cache {
  readonly kind: 'memory' | 'upstash';
  /** The cached value; undefined when absent, expired or invalidated. */
  get<T>(key: string): Promise<T | undefined>;
  /**
   * The cached value (`hit`), or what `load` returns, cached for `ttlSeconds` unless the key was invalidated while
   * loading. `load` returning undefined (nothing to show) caches nothing. A cached value `accept` refuses counts as
   * a miss, and what `load` returns replaces it (compare-and-set against the refused value, as against a marker).
   */
  readThrough<T>(
    key: string,
    ttlSeconds: number,
    load: () => Promise<T | undefined>,
    accept?: (cached: T) => boolean,
  ): Promise<{ value: T | undefined; hit: boolean }>;
  /**
   * Drops the keys, leaving markers that loads already under way cannot overwrite (see the race rule). False when
   * the cache could not be told: the old values may still be there (see `generation-guard.ts` for what then).
   */
  invalidate(...keys: string[]): Promise<boolean>;
  /**
   * `invalidate` for every key matching a glob with `*` (used after a missed-notification window): how many keys,
   * or undefined when the cache could not be reached (some matching keys may still hold old values).
   */
  invalidateMatching(pattern: string): Promise<number | undefined>;
  /** Adds one to a counter that expires `ttlSeconds` after its first increment; undefined when the backend is down. */
  increment(key: string, ttlSeconds: number): Promise<number | undefined>;
  health(): Promise<{ ok: boolean; error?: string }>;
}

/** Lifetime of an invalidation marker: longer than any database read behind a `readThrough` takes. */
export const INVALIDATION_HOLD_SECONDS = 10;

/** Prefix of invalidation markers; a marker is never valid JSON, so it cannot be mistaken for a cached value. */
export const INVALIDATED_PREFIX = '~invalidated:';

let markers = 0;
/** A marker unique to one invalidation (process-random prefix + counter), so a compare-and-set can tell two apart. */
export function invalidationMarker(): string {
  markers = (markers + 1) % Number.MAX_SAFE_INTEGER;
  return `${INVALIDATED_PREFIX}${PROCESS_TAG}:${markers}`;
}
const PROCESS_TAG = Math.random().toString(36).slice(2, 10);

export const isMarker = (text: string) => text.startsWith(INVALIDATED_PREFIX);
