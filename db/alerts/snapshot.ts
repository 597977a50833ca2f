import type postgres from 'postgres';
import type { AlertSeverity } from '../schema/alerts';

type Sql = postgres.Sql | postgres.TransactionSql;

/** `to_char` pattern giving the same text as `Date.toISOString()` for a UTC timestamp. */
const ISO = 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"';

/** An alert as dashboards see it: what the `alert` and `alert.updated` frames carry. */
export interface AlertSnapshot {
  id: string;
  orgId: string;
  residentId: string;
  residentName: string;
  kind: string;
  severity: AlertSeverity;
  status: 'open' | 'acknowledged' | 'resolved';
  title: string;
  details: Record<string, unknown>;
  eventCount: number;
  openedAt: string;
  lastEventAt: string;
  acknowledgedAt: string | null;
  acknowledgedBy: string | null;
  resolvedAt: string | null;
  resolvedBy: string | null;
  resolutionNote: string | null;
  escalationLevel: number;
}

/** Current snapshots of the given alerts, keyed by id (missing ids are simply absent). */
export async function alertSnapshots(sql: Sql, alertIds: string[]): Promise<Map<string, AlertSnapshot>> {
  const result = new Map<string, AlertSnapshot>();
  if (alertIds.length === 0) return result;
  const rows = await sql<{ snapshot: AlertSnapshot }[]>`
    select json_build_object(
      'id', a.id, 'orgId', a.org_id, 'residentId', a.resident_id, 'residentName', r.name, 'kind', a.kind,
      'severity', a.severity, 'status', a.status, 'title', a.title, 'details', a.details,
      'eventCount', a.event_count,
      'openedAt', to_char(a.opened_at at time zone 'UTC', ${ISO}),
      'lastEventAt', to_char(a.last_event_at at time zone 'UTC', ${ISO}),
      'acknowledgedAt', to_char(a.acknowledged_at at time zone 'UTC', ${ISO}), 'acknowledgedBy', a.acknowledged_by,
      'resolvedAt', to_char(a.resolved_at at time zone 'UTC', ${ISO}),
      'resolvedBy', a.resolved_by, 'resolutionNote', a.resolution_note, 'escalationLevel', a.escalation_level
    ) as snapshot
      from alerts a join residents r on r.id = a.resident_id
     where a.id = any(${[...new Set(alertIds)]}::uuid[])`;
  for (const row of rows) result.set(row.snapshot.id, row.snapshot);
  return result;
}
