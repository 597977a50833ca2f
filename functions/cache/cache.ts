/**
 * A read-through cache. Implementations never throw: a failing backend behaves as a miss, so the API stays
 * correct (uncached) when the cache is down, and `health()` reports the outage.
 */
export interface Cache {
  readonly kind: 'memory' | 'upstash';
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlSeconds: number): Promise<void>;
  delete(...keys: string[]): Promise<void>;
  /** Adds one to a counter that expires `ttlSeconds` after its first increment; undefined when the backend is down. */
  increment(key: string, ttlSeconds: number): Promise<number | undefined>;
  health(): Promise<{ ok: boolean; error?: string }>;
}
