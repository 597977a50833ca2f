import type { Sql } from '../../db/client';
import type { SharedCacheConfig } from '../env';
import type { Logger } from '../logger';
import type { Cache } from './cache';
import { guardedByGeneration } from './generation-guard';
import { createUpstashCache } from './upstash-cache';

/** Upstash (or the local REST bridge) when both its URL and token are configured, else the given fallback. */
export function configuredCache(config: SharedCacheConfig, logger: Logger, fallback: () => Cache): Cache {
  if (config.UPSTASH_REDIS_REST_URL && config.UPSTASH_REDIS_REST_TOKEN) {
    return createUpstashCache({ url: config.UPSTASH_REDIS_REST_URL, token: config.UPSTASH_REDIS_REST_TOKEN, logger });
  }
  return fallback();
}

/**
 * The cache as requests must use it: a shared one behind the generation guard (an invalidation it misses during an
 * outage never lets another process serve the old value). An in-process cache cannot miss one and is used as is.
 */
export function outageSafe(cache: Cache, sql: Sql, logger: Logger): Cache {
  return cache.kind === 'memory' ? cache : guardedByGeneration(cache, sql, logger);
}
