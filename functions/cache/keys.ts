import type { Cache } from './cache';

/** Seconds a cached read may live; writes invalidate at once, this only bounds changes made outside this API. */
export const CACHE_TTL_SECONDS = 30;

/** The cacheable part of a resident profile (v2: open alerts are no longer in it, cameras are). */
export const residentProfileKey = (orgId: string, residentId: string) =>
  `cw:${orgId}:resident:${residentId}:profile:v2`;

/** Staff lists are cached per query under a generation number that every staff write bumps. */
export const staffListGenerationKey = (orgId: string) => `cw:${orgId}:staff:generation`;
export const staffListKey = (orgId: string, generation: number, query: string) =>
  `cw:${orgId}:staff:list:${generation}:${query}`;

/** Drop cached profiles of these residents (call after any write that changes what a profile shows). */
export function invalidateResidentProfiles(cache: Cache, orgId: string, residentIds: Iterable<string>) {
  const keys = [...new Set(residentIds)].map((id) => residentProfileKey(orgId, id));
  return cache.delete(...keys);
}

/** Start a new staff-list generation: every cached staff list of the organisation becomes unreachable. */
export async function invalidateStaffLists(cache: Cache, orgId: string) {
  await cache.increment(staffListGenerationKey(orgId), 7 * 24 * 3600);
}

export async function staffListGeneration(cache: Cache, orgId: string): Promise<number | undefined> {
  return cache.get<number>(staffListGenerationKey(orgId));
}
