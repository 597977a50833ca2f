import type { Sql } from '../../db/client';
import { bumpCacheGeneration, cacheGeneration } from '../../db/queries/cache-generation';
import type { Logger } from '../logger';
import type { Cache } from './cache';
import { organisationOfKey } from './keys';

/** What an organisation's cached value is stored as: the value and the cache generation it was loaded under. */
interface Stamped<T> {
  generation: number;
  value: T;
}

/**
 * Keeps a shared cache from serving stale values after an outage, across every process and isolate that uses it.
 *
 * An invalidation that cannot reach the cache (it is down, or only this process cannot reach it) is recorded where
 * every reader looks: the organisation's `cache_generation` in PostgreSQL is bumped before the write answers.
 * Every organisation-scoped read-through reads that generation first, stamps what it loads with it, and serves a
 * cached value only when its stamp is the current generation. So once a write has answered, no process serves a
 * value cached before it — not after the cache comes back, and not on another isolate that could reach the cache
 * all along. A load that began under the old generation is stamped with it and never served after the bump.
 *
 * Cost: one primary-key read of `organisations` per cached read. Keys of no organisation (login counters) pass
 * through untouched. If the bump itself fails (PostgreSQL down in the same instant) it is logged as an error.
 */
export function guardedByGeneration(cache: Cache, sql: Sql, logger: Logger): Cache {
  const bump = async (scope: string[] | 'all', operation: string) => {
    if (scope !== 'all' && scope.length === 0) return;
    try {
      await bumpCacheGeneration(sql, scope);
      logger.warn('cache invalidation failed; cache generation bumped', { operation, organisations: scope });
    } catch (error) {
      logger.error('cache invalidation lost: cache and database both failed', {
        operation,
        organisations: scope,
        error: error instanceof Error ? error.message : String(error),
      });
    }
  };
  return {
    kind: cache.kind,
    get: (key) => cache.get(key),
    async readThrough<T>(
      key: string,
      ttlSeconds: number,
      load: () => Promise<T | undefined>,
      accept?: (cached: T) => boolean,
    ) {
      const orgId = organisationOfKey(key);
      if (orgId === undefined || orgId === 'all') return cache.readThrough(key, ttlSeconds, load, accept);
      // Without the generation nothing cached can be trusted: the read goes to the database alone.
      const generation = await cacheGeneration(sql, orgId).catch(() => undefined);
      if (generation === undefined) return { value: await load(), hit: false };
      const stamped = await cache.readThrough<Stamped<T>>(
        key,
        ttlSeconds,
        async () => {
          const value = await load();
          return value === undefined ? undefined : { generation, value };
        },
        (cached) => cached.generation === generation && (!accept || accept(cached.value)),
      );
      return { value: stamped.value?.value, hit: stamped.hit };
    },
    async invalidate(...keys) {
      const done = await cache.invalidate(...keys);
      if (!done) await bump(scopeOf(keys), 'invalidate');
      return done;
    },
    async invalidateMatching(pattern) {
      const count = await cache.invalidateMatching(pattern);
      if (count === undefined) await bump(scopeOf([pattern]), 'invalidateMatching');
      return count;
    },
    async increment(key, ttlSeconds) {
      const count = await cache.increment(key, ttlSeconds);
      // Generation counters (staff lists) are invalidations too; a login counter belongs to no organisation.
      if (count === undefined) await bump(scopeOf([key]), 'increment');
      return count;
    },
    health: () => cache.health(),
  };
}

function scopeOf(keys: string[]): string[] | 'all' {
  const orgIds = new Set<string>();
  for (const key of keys) {
    const orgId = organisationOfKey(key);
    if (orgId === 'all') return 'all';
    if (orgId) orgIds.add(orgId);
  }
  return [...orgIds];
}
