import type { Logger } from '../logger';
import { type Cache, INVALIDATION_HOLD_SECONDS, invalidationMarker, isMarker } from './cache';
import { createUpstashClient } from './upstash-client';

export interface UpstashCacheOptions {
  url: string;
  token: string;
  logger: Logger;
  /** A cache call slower than this counts as a miss: a slow cache must not slow the API. */
  timeoutMs?: number;
}

/** Compare-and-set for `readThrough`: store ARGV[2] for ARGV[3] s only if the key still holds ARGV[1] ('' = none). */
const SET_IF_UNCHANGED = `
local current = redis.call('GET', KEYS[1])
if (current == false and ARGV[1] == '') or current == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3])
  return 1
end
return 0`;

/**
 * Cache over Upstash's REST protocol (Upstash itself, or our bridge over a local Redis). Every failure is logged
 * and answered as a miss; no retries, so an outage costs each request at most one short timeout.
 */
export function createUpstashCache({ url, token, logger, timeoutMs = 300 }: UpstashCacheOptions): Cache {
  const redis = createUpstashClient({ url, token, timeoutMs });
  let lastWarning = 0;
  const failed =
    <T>(operation: string, fallback: T) =>
    (error: unknown) => {
      // One warning per second at most: an outage must not flood the log.
      if (Date.now() - lastWarning > 1000) {
        lastWarning = Date.now();
        logger.warn('cache unavailable', { operation, error: error instanceof Error ? error.message : String(error) });
      }
      return fallback;
    };
  return {
    kind: 'upstash',
    async get<T>(key: string) {
      return redis
        .get<string>(key)
        .then((text) => (typeof text === 'string' && !isMarker(text) ? (JSON.parse(text) as T) : undefined))
        .catch(failed('get', undefined));
    },
    async readThrough<T>(
      key: string,
      ttlSeconds: number,
      load: () => Promise<T | undefined>,
      accept?: (cached: T) => boolean,
    ) {
      const before = await redis.get<string>(key).catch(failed('get', null));
      if (typeof before === 'string' && !isMarker(before)) {
        const cached = JSON.parse(before) as T;
        if (!accept || accept(cached)) return { value: cached, hit: true };
      }
      const value = await load();
      if (value !== undefined) {
        await redis
          .eval(SET_IF_UNCHANGED, [key], [before ?? '', JSON.stringify(value), String(ttlSeconds)])
          .catch(failed('fill', undefined));
      }
      return { value, hit: false };
    },
    async invalidate(...keys) {
      if (keys.length === 0) return true;
      const pipeline = redis.pipeline();
      for (const key of keys) pipeline.set(key, invalidationMarker(), { ex: INVALIDATION_HOLD_SECONDS });
      return pipeline
        .exec()
        .then(() => true)
        .catch(failed('invalidate', false));
    },
    async invalidateMatching(pattern) {
      let total = 0;
      try {
        let cursor = '0';
        do {
          const [next, keys] = await redis.scan(cursor, { match: pattern, count: 1000 });
          cursor = String(next);
          if (keys.length > 0 && !(await this.invalidate(...keys))) return undefined;
          total += keys.length;
        } while (cursor !== '0');
      } catch (error) {
        return failed('invalidateMatching', undefined)(error);
      }
      return total;
    },
    async increment(key, ttlSeconds) {
      return redis
        .multi()
        .incr(key)
        .expire(key, ttlSeconds, 'NX')
        .exec<[number, number]>()
        .then(([count]) => count)
        .catch(failed('increment', undefined));
    },
    async health() {
      try {
        await redis.ping();
        return { ok: true };
      } catch (error) {
        return { ok: false, error: error instanceof Error ? error.message : String(error) };
      }
    },
  };
}
