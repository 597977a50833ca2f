import { asc, desc, eq, ne, sql } from 'drizzle-orm';
import type { Cache } from '../../../core/cache/cache';
import { CACHE_TTL_SECONDS, residentProfileKey } from '../../../core/cache/keys';
import { canReadLoadedResident } from '../../../db/queries/resident-access';
import { alerts, assignments, cameras, residents, staff } from '../../../db/schema';
import type { OrgScope } from '../../lib/org-scope';

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

/** A resident with the people and things around them; cached whole (see `readResidentProfile`). */
export interface ResidentProfile extends ResidentJson {
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
    /** Consent to live viewing is recorded (who gave it and when); no consent, no stream. */
    consent: boolean;
    /** Consent to event media is recorded: alerts attach a snapshot and a clip from this camera. */
    eventMediaConsent: boolean;
  }[];
  openAlerts: OpenAlertSummary[];
}

export interface OpenAlertSummary {
  id: string;
  kind: (typeof alerts.$inferSelect)['kind'];
  severity: (typeof alerts.$inferSelect)['severity'];
  status: (typeof alerts.$inferSelect)['status'];
  title: string;
  openedAt: string;
}

async function loadProfile(scope: OrgScope, residentId: string): Promise<ResidentProfile | undefined> {
  const { db } = scope;
  const resident = await scope.table(residents, 'resident').find(residentId);
  if (!resident) return undefined;
  const [assigned, residentCameras, openAlerts] = await Promise.all([
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
        eventMediaConsent: sql<boolean>`(${cameras.eventMediaConsentGivenBy} is not null
          and ${cameras.eventMediaConsentRecordedAt} is not null)`,
      })
      .from(cameras)
      .where(scope.where(cameras, eq(cameras.residentId, residentId)))
      .orderBy(asc(cameras.name), asc(cameras.id)),
    loadOpenAlerts(scope, residentId),
  ]);
  return { ...residentJson(resident), assignedStaff: assigned, cameras: residentCameras, openAlerts };
}

/** Unresolved alerts of one resident, newest first: one query on alerts_resident_opened_idx. */
async function loadOpenAlerts(scope: OrgScope, residentId: string): Promise<OpenAlertSummary[]> {
  const rows = await scope.db
    .select({
      id: alerts.id,
      kind: alerts.kind,
      severity: alerts.severity,
      status: alerts.status,
      title: alerts.title,
      openedAt: alerts.openedAt,
    })
    .from(alerts)
    .where(scope.where(alerts, eq(alerts.residentId, residentId), ne(alerts.status, 'resolved')))
    .orderBy(desc(alerts.openedAt));
  return rows.map((alert) => ({ ...alert, openedAt: alert.openedAt.toISOString() }));
}

/**
 * Read-through: the whole profile comes from the cache when present, else from PostgreSQL and is then cached.
 * Every write that changes what it shows invalidates it: the API's own writes (resident, assignments, staff,
 * cameras) directly, and every alert change (raised by ingest or the silence rules, acknowledged, escalated or
 * resolved on a realtime node) through the `carewatch_alerts` NOTIFY (`watchAlertChanges`). The read rule (org +
 * assignments) is applied after the read, so a denied hit costs no query. Undefined = 404.
 */
export async function readResidentProfile(
  scope: OrgScope,
  cache: Cache,
  residentId: string,
): Promise<{ profile?: ResidentProfile; hit: boolean }> {
  const { value: profile, hit } = await cache.readThrough(
    residentProfileKey(scope.orgId, residentId),
    CACHE_TTL_SECONDS,
    () => loadProfile(scope, residentId),
  );
  if (!profile) return { hit };
  const assignedStaffIds = profile.assignedStaff.map((person) => person.staffId);
  if (!canReadLoadedResident(scope.identity, { orgId: profile.orgId, assignedStaffIds })) return { hit };
  return { profile, hit };
}
