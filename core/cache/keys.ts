import type { Cache } from './cache';

/**
 * Seconds a cached read may live. Writes invalidate at once (the API's own, and alert changes by NOTIFY); this
 * bounds what nothing invalidates: a resident's `lastActivityAt`, which sensor batches move all day.
 */
export const CACHE_TTL_SECONDS = 30;

/**
 * The organisation a key (or a glob of keys) belongs to: every organisation's key starts `cw:<org id>:`.
 * `'all'` for a glob over every organisation (`cw:*:…`); undefined for keys of no organisation (login counters).
 */
export function organisationOfKey(key: string): string | 'all' | undefined {
  const match = /^cw:([^:]+):/.exec(key);
  if (match?.[1] === '*') return 'all';
  return match?.[1] && UUID.test(match[1]) ? match[1] : undefined;
}
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A whole resident profile (v3: open alerts are in it again, invalidated by every alert change). */
export const residentProfileKey = (orgId: string, residentId: string) =>
  `cw:${orgId}:resident:${residentId}:profile:v3`;
/** Every cached profile of every organisation (`Cache.invalidateMatching`). */
export const ALL_RESIDENT_PROFILES = 'cw:*:resident:*:profile:v3';

/** Staff lists are cached per query under a generation number that every staff write bumps. */
export const staffListGenerationKey = (orgId: string) => `cw:${orgId}:staff:generation`;
export const staffListKey = (orgId: string, generation: number, query: string) =>
  `cw:${orgId}:staff:list:${generation}:${query}`;

/** Drop cached profiles of these residents (call after any write that changes what a profile shows). */
export function invalidateResidentProfiles(cache: Cache, orgId: string, residentIds: Iterable<string>) {
  const keys = [...new Set(residentIds)].map((id) => residentProfileKey(orgId, id));
  return cache.invalidate(...keys);
}

/** Start a new staff-list generation: every cached staff list of the organisation becomes unreachable. */
export async function invalidateStaffLists(cache: Cache, orgId: string) {
  await cache.increment(staffListGenerationKey(orgId), 7 * 24 * 3600);
}

export async function staffListGeneration(cache: Cache, orgId: string): Promise<number | undefined> {
  return cache.get<number>(staffListGenerationKey(orgId));
}

/** After a silence-rule run: the profiles of residents whose alerts it raised or resolved. */
export async function invalidateAfterSilence(
  cache: Cache,
  outcome: { raised: { orgId: string; residentId: string }[]; resolved: { orgId: string; residentId: string }[] },
) {
  const changed = [...outcome.raised, ...outcome.resolved];
  await cache.invalidate(...new Set(changed.map((alert) => residentProfileKey(alert.orgId, alert.residentId))));
}
