import type postgres from 'postgres';
import { defaultOrganisationSettings } from '../defaults';
import { usableSetting } from '../organisation-settings';
import type { AlertOutcome, AlertSeverity } from '../schema/alerts';

export type ResponseGrouping = 'month' | 'week' | 'staff';

/** One group's figures for one severity. Times are seconds from the alert's opening. */
export interface ResponseTimeRow {
  /** The month or week's first day (organisation's time zone, YYYY-MM-DD), or the acknowledging staff member's id. */
  group: string | null;
  /** The staff member's name when grouped by staff. */
  groupName: string | null;
  severity: AlertSeverity;
  alerts: number;
  acknowledged: number;
  ackWithin60sPct: number | null;
  ackWithin180sPct: number | null;
  medianAckSeconds: number | null;
  p90AckSeconds: number | null;
  medianFirstReceiptSeconds: number | null;
  escalated: number;
  reachedNobody: number;
}

export interface OutcomeCount {
  outcome: AlertOutcome | null;
  /** The kind of device that raised the alert (null: raised by the hub or the silence rules). */
  deviceKind: string | null;
  alerts: number;
}

export interface ResponseTimeReport {
  from: string;
  to: string;
  groupBy: ResponseGrouping;
  timeZone: string;
  rows: ResponseTimeRow[];
  outcomes: OutcomeCount[];
}

/**
 * How fast an organisation's alerts opened in [from, to) were answered (what alarm-receiving standards ask: share
 * answered within 60 s and 180 s), per severity and per month, week (in the organisation's time zone) or
 * acknowledging staff member. An alert's time to acknowledge is to its first acknowledgement (a re-triggered alert
 * keeps it in `alert_retriggers`; resolving an unacknowledged alert acknowledges it); time to first receipt is to
 * the first delivery a device confirmed; escalated means a later step told someone; reached nobody means no
 * delivery was ever confirmed received. Percentages are of all the group's alerts, unacknowledged ones included.
 */
export async function responseTimeReport(
  sql: postgres.Sql,
  input: { orgId: string; from: Date; to: Date; groupBy: ResponseGrouping },
): Promise<ResponseTimeReport> {
  const [org] = await sql<{ timeZone: unknown }[]>`
    select settings->'timeZone' as "timeZone" from organisations where id = ${input.orgId}`;
  // A zone edited by hand that PostgreSQL would refuse must not fail the report: the default, as ingest reads it.
  const timeZone = usableSetting('timeZone', org?.timeZone) ?? defaultOrganisationSettings.timeZone;
  const group =
    input.groupBy === 'staff'
      ? sql`f.acknowledged_by::text`
      : sql`to_char(date_trunc(${input.groupBy}, f.opened_at at time zone ${timeZone}), 'YYYY-MM-DD')`;
  const rows = await sql<ResponseTimeRow[]>`
    with facts as (
      select a.id, a.severity, a.opened_at, a.device_id, a.resolution_outcome,
             coalesce(r.acknowledged_by, a.acknowledged_by) as acknowledged_by,
             extract(epoch from coalesce(r.acknowledged_at, a.acknowledged_at) - a.opened_at)::float8 as ack_seconds,
             extract(epoch from d.first_receipt - a.opened_at)::float8 as receipt_seconds,
             coalesce(d.escalated, false) as escalated
        from alerts a
        left join alert_retriggers r on r.alert_id = a.id and r.retrigger = 1
        left join lateral (
          select min(delivered_at) as first_receipt, bool_or(escalation_level > 0) as escalated
            from alert_deliveries where alert_id = a.id
        ) d on true
       where a.org_id = ${input.orgId} and a.opened_at >= ${input.from} and a.opened_at < ${input.to}
    )
    select ${group} as "group", ${input.groupBy === 'staff' ? sql`min(s.name)` : sql`null`} as "groupName",
           f.severity, count(*)::int as alerts, count(f.ack_seconds)::int as acknowledged,
           round(100.0 * count(*) filter (where f.ack_seconds <= 60) / count(*), 1)::float8 as "ackWithin60sPct",
           round(100.0 * count(*) filter (where f.ack_seconds <= 180) / count(*), 1)::float8 as "ackWithin180sPct",
           percentile_cont(0.5) within group (order by f.ack_seconds) as "medianAckSeconds",
           percentile_cont(0.9) within group (order by f.ack_seconds) as "p90AckSeconds",
           percentile_cont(0.5) within group (order by f.receipt_seconds) as "medianFirstReceiptSeconds",
           count(*) filter (where f.escalated)::int as escalated,
           count(*) filter (where f.receipt_seconds is null)::int as "reachedNobody"
      from facts f
      left join staff s on s.id = f.acknowledged_by
     group by 1, f.severity
     order by 1 nulls last, f.severity`;
  const outcomes = await sql<OutcomeCount[]>`
    select a.resolution_outcome as outcome, dv.kind::text as "deviceKind", count(*)::int as alerts
      from alerts a left join devices dv on dv.id = a.device_id
     where a.org_id = ${input.orgId} and a.opened_at >= ${input.from} and a.opened_at < ${input.to}
       and a.status = 'resolved'
     group by 1, 2
     order by 1 nulls last, 2 nulls last`;
  return {
    from: input.from.toISOString(),
    to: input.to.toISOString(),
    groupBy: input.groupBy,
    timeZone,
    rows: rows.map((row) => ({ ...row, groupName: row.groupName ?? null })),
    outcomes,
  };
}

const CSV_COLUMNS: (keyof ResponseTimeRow)[] = [
  'group',
  'groupName',
  'severity',
  'alerts',
  'acknowledged',
  'ackWithin60sPct',
  'ackWithin180sPct',
  'medianAckSeconds',
  'p90AckSeconds',
  'medianFirstReceiptSeconds',
  'escalated',
  'reachedNobody',
];

/** The report's rows as CSV (RFC 4180: CRLF, quoted where needed) for regulators' spreadsheets. */
export function responseTimeCsv(report: ResponseTimeReport): string {
  const cell = (value: unknown) => {
    if (value === null || value === undefined) return '';
    const text = typeof value === 'number' ? String(Math.round(value * 10) / 10) : String(value);
    // A leading =, +, - or @ would run as a formula in a spreadsheet.
    const safe = /^[=+\-@]/.test(text) && typeof value !== 'number' ? `'${text}` : text;
    return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
  };
  const lines = [
    CSV_COLUMNS.join(','),
    ...report.rows.map((row) => CSV_COLUMNS.map((key) => cell(row[key])).join(',')),
  ];
  return `${lines.join('\r\n')}\r\n`;
}
