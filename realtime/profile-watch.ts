import { type AlertChangeWatch, watchAlertChanges } from '../core/cache/alert-invalidation';
import { guardedByGeneration } from '../core/cache/generation-guard';
import { createUpstashCache } from '../core/cache/upstash-cache';
import type { Logger } from '../core/logger';
import type { Sql } from '../db/client';
import type { RealtimeConfig } from './env';

/**
 * With the API's shared cache configured, drops cached resident profiles on alert changes, so a Workers deployment
 * of the API (which cannot LISTEN) stays fresh. Resolves once it listens; undefined without a cache.
 */
export async function watchProfiles(
  config: RealtimeConfig,
  sql: Sql,
  logger: Logger,
): Promise<AlertChangeWatch | undefined> {
  if (!config.UPSTASH_REDIS_REST_URL || !config.UPSTASH_REDIS_REST_TOKEN) return undefined;
  const cache = createUpstashCache({
    url: config.UPSTASH_REDIS_REST_URL,
    token: config.UPSTASH_REDIS_REST_TOKEN,
    logger,
  });
  const watch = watchAlertChanges(sql, guardedByGeneration(cache, sql, logger), logger);
  await watch.ready;
  return watch;
}
