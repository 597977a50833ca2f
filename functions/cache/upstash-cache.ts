import { Redis } from '@upstash/redis';
import type { Logger } from '../lib/logger';
import type { Cache } from './cache';

export interface UpstashCacheOptions {
  url: string;
  token: string;
  logger: Logger;
  /** A cache call slower than this counts as a miss: a slow cache must not slow the API. */
  timeoutMs?: number;
}

/**
 * Cache over Upstash's REST protocol (Upstash itself, or our bridge over a local Redis). Every failure is logged
 * and answered as a miss; no retries, so an outage costs each request at most one short timeout.
 */
export function createUpstashCache({ url, token, logger, timeoutMs = 300 }: UpstashCacheOptions): Cache {
  const redis = new Redis({
    url,
    token,
    retry: false,
    automaticDeserialization: false,
    enableTelemetry: false,
    signal: () => AbortSignal.timeout(timeoutMs),
  });
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
        .then((text) => (typeof text === 'string' ? (JSON.parse(text) as T) : undefined))
        .catch(failed('get', undefined));
    },
    async set(key, value, ttlSeconds) {
      await redis
        .set(key, JSON.stringify(value), { ex: ttlSeconds })
        .then(() => undefined)
        .catch(failed('set', undefined));
    },
    async delete(...keys) {
      if (keys.length === 0) return;
      await redis
        .del(...keys)
        .then(() => undefined)
        .catch(failed('delete', undefined));
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
