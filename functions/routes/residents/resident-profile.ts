import { and, asc, desc, eq, ne, sql } from 'drizzle-orm';
import type { Database } from '../../../db/client';
import { canReadLoadedResident } from '../../../db/queries/resident-access';
import { alerts, assignments, cameras, residents, staff } from '../../../db/schema';
import type { StaffIdentity } from '../../auth/access-token';
import type { Cache } from '../../cache/cache';
import { CACHE_TTL_SECONDS, residentProfileKey } from '../../cache/keys';

/** Dates become ISO strings here, so a profile from the cache and one from the database are byte-identical. */
type Jsonified<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };

export type ResidentJson = Jsonified<typeof residents.$inferSelect>;

export function residentJson(row: typeof residents.$inferSelect): ResidentJson {
  return {
    ...row,
    dischargedAt: row.dischargedAt?.toISOString() ?? null,
    presenceChangedAt: row.presenceChangedAt.toISOString(),
    lastActivityAt: row.lastActivityAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The part of a profile that only this API's own writes change, so it may be cached (they invalidate it). */
export interface CachedResidentProfile extends ResidentJson {
  assignedStaff: {
    staffId: string;
    name: string;
    role: (typeof staff.$inferSelect)['role'];
    phone: string | null;
    escalationOrder: number;
  }[];
  /** The resident's cameras, so a caregiver can find one to watch (watching itself is checked per camera). */
  cameras: {
    id: string;
    name: string;
    room: string | null;
    residentId: string;
    enabled: boolean;
    /** Consent is recorded (who gave it and when); no consent, no stream. */
    consent: boolean;
  }[];
}

export interface OpenAlertSummary {
  id: string;
  kind: (typeof alerts.$inferSelect)['kind'];
  severity: (typeof alerts.$inferSelect)['severity'];
  status: (typeof alerts.$inferSelect)['status'];
  title: string;
  openedAt: string;
}

/** Open alerts are never cached: ingest and the realtime node change them without going through this API. */
export interface ResidentProfile extends CachedResidentProfile {
  openAlerts: OpenAlertSummary[];
}

async function loadCachedPart(
  db: Database,
  orgId: string,
  residentId: string,
): Promise<CachedResidentProfile | undefined> {
  const [resident] = await db
    .select()
    .from(residents)
    .where(and(eq(residents.id, residentId), eq(residents.orgId, orgId)));
  if (!resident) return undefined;
  const [assigned, residentCameras] = await Promise.all([
    db
      .select({
        staffId: staff.id,
        name: staff.name,
        role: staff.role,
        phone: staff.phone,
        escalationOrder: assignments.escalationOrder,
      })
      .from(assignments)
      .innerJoin(staff, eq(staff.id, assignments.staffId))
      .where(eq(assignments.residentId, residentId))
      .orderBy(asc(assignments.escalationOrder), asc(staff.name)),
    db
      .select({
        id: cameras.id,
        name: cameras.name,
        room: cameras.room,
        residentId: cameras.residentId,
        enabled: cameras.enabled,
        consent: sql<boolean>`(${cameras.consentGivenBy} is not null and ${cameras.consentRecordedAt} is not null)`,
      })
      .from(cameras)
      .where(and(eq(cameras.residentId, residentId), eq(cameras.orgId, orgId)))
      .orderBy(asc(cameras.name), asc(cameras.id)),
  ]);
  return { ...residentJson(resident), assignedStaff: assigned, cameras: residentCameras };
}

/** Unresolved alerts of one resident, newest first: one query on alerts_resident_opened_idx. */
async function loadOpenAlerts(db: Database, orgId: string, residentId: string): Promise<OpenAlertSummary[]> {
  const rows = await db
    .select({
      id: alerts.id,
      kind: alerts.kind,
      severity: alerts.severity,
      status: alerts.status,
      title: alerts.title,
      openedAt: alerts.openedAt,
    })
    .from(alerts)
    .where(and(eq(alerts.residentId, residentId), eq(alerts.orgId, orgId), ne(alerts.status, 'resolved')))
    .orderBy(desc(alerts.openedAt));
  return rows.map((alert) => ({ ...alert, openedAt: alert.openedAt.toISOString() }));
}

/**
 * Read-through: the cached part (resident, assigned staff, cameras) comes from the cache when present, else from
 * PostgreSQL and is then cached; `hit` describes that part only. The read rule is applied to it (org +
 * assignments), so a denied hit costs no query. Open alerts are then read live. Undefined = 404.
 */
export async function readResidentProfile(
  db: Database,
  cache: Cache,
  identity: StaffIdentity,
  residentId: string,
): Promise<{ profile?: ResidentProfile; hit: boolean }> {
  const key = residentProfileKey(identity.orgId, residentId);
  const cached = await cache.get<CachedResidentProfile>(key);
  const hit = cached !== undefined;
  const part = cached ?? (await loadCachedPart(db, identity.orgId, residentId));
  if (!part) return { hit };
  if (!cached) await cache.set(key, part, CACHE_TTL_SECONDS);
  const assignedStaffIds = part.assignedStaff.map((person) => person.staffId);
  if (!canReadLoadedResident(identity, { orgId: part.orgId, assignedStaffIds })) return { hit };
  const openAlerts = await loadOpenAlerts(db, identity.orgId, residentId);
  return { profile: { ...part, openAlerts }, hit };
}
