import type { Cache } from './cache';

/** In-process cache for `npm start` without Redis: bounded, expiring, one process only. */
export function createMemoryCache(maxEntries = 10_000, now: () => number = Date.now): Cache {
  const entries = new Map<string, { value: string; expiresAt: number }>();
  return {
    kind: 'memory',
    async get<T>(key: string) {
      const entry = entries.get(key);
      if (!entry) return undefined;
      if (entry.expiresAt <= now()) {
        entries.delete(key);
        return undefined;
      }
      return JSON.parse(entry.value) as T;
    },
    async set(key, value, ttlSeconds) {
      // Stored serialised so callers can never mutate a cached object through a shared reference.
      entries.delete(key);
      entries.set(key, { value: JSON.stringify(value), expiresAt: now() + ttlSeconds * 1000 });
      if (entries.size > maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest !== undefined) entries.delete(oldest);
      }
    },
    async delete(...keys) {
      for (const key of keys) entries.delete(key);
    },
    async increment(key, ttlSeconds) {
      const entry = entries.get(key);
      const live = entry && entry.expiresAt > now() ? entry : undefined;
      const count = (live ? (JSON.parse(live.value) as number) : 0) + 1;
      entries.set(key, { value: JSON.stringify(count), expiresAt: live?.expiresAt ?? now() + ttlSeconds * 1000 });
      return count;
    },
    async health() {
      return { ok: true };
    },
  };
}
