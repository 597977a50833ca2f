import type postgres from 'postgres';
import { alerts } from '../schema/alerts';

type Sql = postgres.Sql | postgres.TransactionSql;

/** `to_char` pattern giving the same text as `Date.toISOString()` for a UTC timestamp. */
const ISO = 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"';

/** The alert's columns as the API shows an alert (a drizzle selection: `db.select(alertRecordColumns)`). */
export const alertRecordColumns = {
  id: alerts.id,
  orgId: alerts.orgId,
  residentId: alerts.residentId,
  hubId: alerts.hubId,
  deviceId: alerts.deviceId,
  kind: alerts.kind,
  severity: alerts.severity,
  status: alerts.status,
  title: alerts.title,
  details: alerts.details,
  eventCount: alerts.eventCount,
  lastEventAt: alerts.lastEventAt,
  openedAt: alerts.openedAt,
  acknowledgedAt: alerts.acknowledgedAt,
  acknowledgedBy: alerts.acknowledgedBy,
  resolvedAt: alerts.resolvedAt,
  resolvedBy: alerts.resolvedBy,
  resolutionNote: alerts.resolutionNote,
  resolutionOutcome: alerts.resolutionOutcome,
  escalationLevel: alerts.escalationLevel,
  nextEscalationAt: alerts.nextEscalationAt,
};

type AlertRow = typeof alerts.$inferSelect;
type TimestampKey = 'lastEventAt' | 'openedAt' | 'acknowledgedAt' | 'resolvedAt' | 'nextEscalationAt';

/** What `alertRecordColumns` selects. */
export type AlertRecordRow = { [K in keyof typeof alertRecordColumns]: AlertRow[K] };

/** An alert as JSON: timestamps as ISO text. */
export type AlertRecord = Omit<AlertRecordRow, TimestampKey> & {
  lastEventAt: string;
  openedAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  nextEscalationAt: string | null;
};

export function toAlertRecord(row: AlertRecordRow): AlertRecord {
  return {
    ...row,
    lastEventAt: row.lastEventAt.toISOString(),
    openedAt: row.openedAt.toISOString(),
    acknowledgedAt: row.acknowledgedAt?.toISOString() ?? null,
    resolvedAt: row.resolvedAt?.toISOString() ?? null,
    nextEscalationAt: row.nextEscalationAt?.toISOString() ?? null,
  };
}

/**
 * An alert as dashboards see it: what the `alert` and `alert.updated` frames carry — the API's record with the
 * resident's name, without what only routing needs (hub, device, next deadline).
 */
export type AlertSnapshot = Omit<AlertRecord, 'hubId' | 'deviceId' | 'nextEscalationAt'> & { residentName: string };

/**
 * Current snapshots of the given alerts, keyed by id (missing ids are simply absent). One id — each frame a NOTIFY
 * wakes — is a scalar parameter: PostgreSQL plans a prepared statement with an array parameter again on every
 * execution (the generic plan is costed for ten elements, so it never looks cheaper than a custom plan for one), and
 * that planning cost more than the query.
 */
export async function alertSnapshots(sql: Sql, alertIds: string[]): Promise<Map<string, AlertSnapshot>> {
  const result = new Map<string, AlertSnapshot>();
  const ids = [...new Set(alertIds)];
  if (ids.length === 0) return result;
  const rows = await sql<{ snapshot: AlertSnapshot }[]>`
    select json_build_object(
      'id', a.id, 'orgId', a.org_id, 'residentId', a.resident_id, 'residentName', r.name, 'kind', a.kind,
      'severity', a.severity, 'status', a.status, 'title', a.title, 'details', a.details,
      'eventCount', a.event_count,
      'openedAt', to_char(a.opened_at at time zone 'UTC', ${ISO}),
      'lastEventAt', to_char(a.last_event_at at time zone 'UTC', ${ISO}),
      'acknowledgedAt', to_char(a.acknowledged_at at time zone 'UTC', ${ISO}), 'acknowledgedBy', a.acknowledged_by,
      'resolvedAt', to_char(a.resolved_at at time zone 'UTC', ${ISO}),
      'resolvedBy', a.resolved_by, 'resolutionNote', a.resolution_note, 'resolutionOutcome', a.resolution_outcome,
      'escalationLevel', a.escalation_level
    ) as snapshot
      from alerts a join residents r on r.id = a.resident_id
     where ${ids.length === 1 ? sql`a.id = ${ids[0] ?? ''}::uuid` : sql`a.id = any(${ids}::uuid[])`}`;
  for (const row of rows) result.set(row.snapshot.id, row.snapshot);
  return result;
}
