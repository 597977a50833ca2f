import type { Execute } from '../migrate';

export interface TimelineBucket {
  /** Bucket start, ISO-8601 UTC. */
  start: string;
  total: number;
  /** Events per kind in the bucket. */
  events: Record<string, number>;
  /** min/avg/max of numeric readings per kind (vital signs, temperature, …). */
  values: Record<string, { min: number; avg: number; max: number }>;
  alerts: { id: string; kind: string; severity: string; status: string; openedAt: string }[];
}

/** Whether `time_bucket` (TimescaleDB) is available; otherwise `date_bin` with the same origin gives the same buckets. */
export async function hasTimescale(execute: Execute): Promise<boolean> {
  const [row] = await execute(`select exists (select 1 from pg_extension where extname = 'timescaledb') as installed`);
  return row?.installed === true;
}

/**
 * One resident's events and alerts bucketed by time, joined with the resident's organisation. `time_bucket` on
 * TimescaleDB and `date_bin` (origin 2000-01-03, time_bucket's default) elsewhere: identical bucket boundaries, so
 * identical answers. Only non-empty buckets are returned, oldest first.
 */
export async function residentTimeline(
  execute: Execute,
  params: { orgId: string; residentId: string; from: Date; to: Date; bucketSeconds: number; timescale: boolean },
): Promise<TimelineBucket[]> {
  const bucket = (column: string) =>
    params.timescale
      ? `time_bucket(make_interval(secs => $5), ${column})`
      : `date_bin(make_interval(secs => $5), ${column}, timestamptz '2000-01-03 00:00:00+00')`;
  const utc = (expression: string) => `to_char(${expression} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;
  const args = [
    params.orgId,
    params.residentId,
    params.from.toISOString(),
    params.to.toISOString(),
    params.bucketSeconds,
  ];
  const eventRows = await execute(
    `select ${utc(bucket('e.time'))} as start, e.kind::text as kind, count(*)::int as events,
            min(e.value) as min_value, round(avg(e.value)::numeric, 6)::float8 as avg_value, max(e.value) as max_value
       from sensor_events e
       join residents r on r.id = e.resident_id and r.org_id = e.org_id
      where r.org_id = $1 and e.resident_id = $2 and e.time >= $3 and e.time < $4
      group by 1, 2 order by 1, 2`,
    args,
  );
  const alertRows = await execute(
    `select ${utc(bucket('a.opened_at'))} as start, a.id::text as id, a.kind::text as kind,
            a.severity::text as severity, a.status::text as status, ${utc('a.opened_at')} as opened_at
       from alerts a
      where a.org_id = $1 and a.resident_id = $2 and a.opened_at >= $3 and a.opened_at < $4
      order by a.opened_at, a.id`,
    args,
  );

  const buckets = new Map<string, TimelineBucket>();
  const at = (start: string) => {
    let found = buckets.get(start);
    if (!found) {
      found = { start, total: 0, events: {}, values: {}, alerts: [] };
      buckets.set(start, found);
    }
    return found;
  };
  for (const row of eventRows) {
    const entry = at(String(row.start));
    const kind = String(row.kind);
    entry.events[kind] = Number(row.events);
    entry.total += Number(row.events);
    if (row.min_value != null && row.max_value != null && row.avg_value != null) {
      entry.values[kind] = { min: Number(row.min_value), avg: Number(row.avg_value), max: Number(row.max_value) };
    }
  }
  for (const row of alertRows) {
    at(String(row.start)).alerts.push({
      id: String(row.id),
      kind: String(row.kind),
      severity: String(row.severity),
      status: String(row.status),
      openedAt: String(row.opened_at),
    });
  }
  return [...buckets.values()].sort((a, b) => a.start.localeCompare(b.start));
}
