import type { Execute } from '../migrate';

export interface HourlyActivityRow {
  bucket: string;
  kind: string;
  events: number;
  minValue: number | null;
  avgValue: number | null;
  maxValue: number | null;
}

/**
 * Hourly per-kind activity of one resident, joined with the resident's organisation so a caller can only read
 * its own org's data. Reads `resident_activity_hourly`: the continuous aggregate on TimescaleDB, an ordinary
 * view on plain PostgreSQL — same columns, same bucket boundaries, same answers.
 */
export async function hourlyActivity(
  execute: Execute,
  params: { orgId: string; residentId: string; from: Date; to: Date },
): Promise<HourlyActivityRow[]> {
  const rows = await execute(
    `select to_char(a.bucket at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') as bucket,
            a.kind::text as kind, a.events::int as events,
            a.min_value, round(a.avg_value::numeric, 6)::float8 as avg_value, a.max_value
       from resident_activity_hourly a
       join residents r on r.id = a.resident_id and r.org_id = a.org_id
      where r.org_id = $1 and a.resident_id = $2 and a.bucket >= $3 and a.bucket < $4
      order by a.bucket, a.kind`,
    [params.orgId, params.residentId, params.from.toISOString(), params.to.toISOString()],
  );
  return rows.map((row) => ({
    bucket: String(row.bucket),
    kind: String(row.kind),
    events: Number(row.events),
    minValue: row.min_value == null ? null : Number(row.min_value),
    avgValue: row.avg_value == null ? null : Number(row.avg_value),
    maxValue: row.max_value == null ? null : Number(row.max_value),
  }));
}
