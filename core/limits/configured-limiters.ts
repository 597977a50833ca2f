import { createUpstashClient } from '../cache/upstash-client';
import type { SharedCacheConfig } from '../env';
import type { Logger } from '../logger';
import type { Limiters } from './limiter';
import { createMemoryBucketLimiter } from './memory-bucket';
import { createMemoryWindowLimiter } from './memory-window';
import { failOpen, fallBackTo, outageReporter } from './outage-policy';
import { createUpstashBucketLimiter, createUpstashWindowLimiter } from './upstash-limiters';

export interface LimitersOptions {
  /** A limiter call to the shared Redis slower than this counts as an outage (`outage-policy.ts`). */
  timeoutMs?: number;
  /** Keys the in-process limiters remember (the fallback's too); the least recently used go first. */
  maxKeys?: number;
}

/**
 * The shared limiters on the configured Upstash (or the project's REST bridge) when its URL and token are both set,
 * so a limit holds across every process and isolate; else in-process ones, one set per process or isolate.
 */
export function configuredLimiters(
  config: SharedCacheConfig,
  logger: Logger,
  { timeoutMs = 300, maxKeys = 100_000 }: LimitersOptions = {},
): Limiters {
  const memoryWindow = createMemoryWindowLimiter(Date.now, maxKeys);
  const url = config.UPSTASH_REDIS_REST_URL;
  const token = config.UPSTASH_REDIS_REST_TOKEN;
  if (!url || !token) {
    return { kind: 'memory', bucket: createMemoryBucketLimiter(Date.now, maxKeys), window: memoryWindow };
  }
  const redis = createUpstashClient({ url, token, timeoutMs });
  const report = outageReporter(logger);
  return {
    kind: 'shared',
    bucket: failOpen(createUpstashBucketLimiter(redis), report),
    window: fallBackTo(createUpstashWindowLimiter(redis), memoryWindow, report),
  };
}
