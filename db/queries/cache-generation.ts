import type { Sql } from '../client';

/** The organisation's cache generation (0 when the organisation does not exist: nothing of it is cached anyway). */
export async function cacheGeneration(sql: Sql, orgId: string): Promise<number> {
  const [row] = await sql<{ generation: number }[]>`
    select cache_generation as generation from organisations where id = ${orgId}`;
  return row?.generation ?? 0;
}

/**
 * Starts a new cache generation for these organisations (`'all'`: every one), so nothing cached before is served.
 * Locks in one order: the rows are locked by id before the update, so two bumps never wait on each other.
 */
export async function bumpCacheGeneration(sql: Sql, orgIds: string[] | 'all'): Promise<void> {
  if (orgIds !== 'all' && orgIds.length === 0) return;
  const ids = orgIds === 'all' ? null : [...new Set(orgIds)];
  await sql`
    update organisations set cache_generation = cache_generation + 1
     where id in (select id from organisations
                   where ${ids}::uuid[] is null or id = any(${ids}::uuid[])
                   order by id for no key update)`;
}
