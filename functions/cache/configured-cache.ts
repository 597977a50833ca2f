import type { FunctionsConfig } from '../env';
import type { Logger } from '../lib/logger';
import type { Cache } from './cache';
import { createUpstashCache } from './upstash-cache';

/** Upstash (or the local REST bridge) when both its URL and token are configured, else the given fallback. */
export function configuredCache(config: FunctionsConfig, logger: Logger, fallback: () => Cache): Cache {
  if (config.UPSTASH_REDIS_REST_URL && config.UPSTASH_REDIS_REST_TOKEN) {
    return createUpstashCache({ url: config.UPSTASH_REDIS_REST_URL, token: config.UPSTASH_REDIS_REST_TOKEN, logger });
  }
  return fallback();
}
