import { type Cache, INVALIDATION_HOLD_SECONDS, invalidationMarker, isMarker } from './cache';

interface Entry {
  /** The value as JSON, or an invalidation marker. */
  text: string;
  /** Parsed once on the first hit; handed out frozen, so no caller can change what the next one reads. */
  parsed?: unknown;
  expiresAt: number;
}

/** In-process cache for `npm start` without Redis: bounded, expiring, one process only. */
export function createMemoryCache(maxEntries = 10_000, now: () => number = Date.now): Cache {
  const entries = new Map<string, Entry>();
  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };
  const put = (key: string, text: string, ttlSeconds: number) => {
    entries.delete(key);
    entries.set(key, { text, expiresAt: now() + ttlSeconds * 1000 });
    if (entries.size > maxEntries) {
      const oldest = entries.keys().next().value;
      if (oldest !== undefined) entries.delete(oldest);
    }
  };
  const invalidateKey = (key: string) => put(key, invalidationMarker(), INVALIDATION_HOLD_SECONDS);
  const cachedValue = <T>(entry: Entry | undefined, accept?: (cached: T) => boolean): T | undefined => {
    if (!entry || isMarker(entry.text)) return undefined;
    entry.parsed ??= deepFreeze(JSON.parse(entry.text));
    const value = entry.parsed as T;
    return accept && !accept(value) ? undefined : value;
  };
  return {
    kind: 'memory',
    async get<T>(key: string) {
      return cachedValue<T>(live(key));
    },
    async readThrough<T>(
      key: string,
      ttlSeconds: number,
      load: () => Promise<T | undefined>,
      accept?: (cached: T) => boolean,
    ) {
      const before = live(key);
      const cached = cachedValue<T>(before, accept);
      if (cached !== undefined) return { value: cached, hit: true };
      const value = await load();
      if (value !== undefined && live(key)?.text === before?.text) put(key, JSON.stringify(value), ttlSeconds);
      return { value, hit: false };
    },
    async invalidate(...keys) {
      for (const key of keys) invalidateKey(key);
      return true;
    },
    async invalidateMatching(pattern) {
      const matches = globMatcher(pattern);
      const keys = [...entries.keys()].filter(matches);
      for (const key of keys) invalidateKey(key);
      return keys.length;
    },
    async increment(key, ttlSeconds) {
      const entry = live(key);
      const counter = entry && !isMarker(entry.text) ? entry : undefined;
      const count = (counter ? (JSON.parse(counter.text) as number) : 0) + 1;
      entries.set(key, { text: JSON.stringify(count), expiresAt: counter?.expiresAt ?? now() + ttlSeconds * 1000 });
      return count;
    },
    async health() {
      return { ok: true };
    },
  };
}

/** A Redis-style glob with `*` only (all the cache's patterns need), as a predicate. */
export function globMatcher(pattern: string): (key: string) => boolean {
  const expression = new RegExp(`^${pattern.split('*').map(escapeRegExp).join('.*')}$`, 's');
  return (key) => expression.test(key);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object') {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
