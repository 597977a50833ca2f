import type postgres from 'postgres';
import { defaultOrganisationSettings } from '../defaults';
import { usableSetting } from '../organisation-settings';
import type { AlertOutcome, AlertSeverity } from '../schema/alerts';
import { teamMembers } from './team-members';

/** What the report's rows may be grouped by; the API's `groupBy` takes exactly these. */
export const responseGroupings = ['month', 'week', 'staff', 'team'] as const;
export type ResponseGrouping = (typeof responseGroupings)[number];

/** One group's figures for one severity. Times are seconds from the alert's opening. */
export interface ResponseTimeRow {
  /**
   * The month or week's first day (organisation's time zone, YYYY-MM-DD), the acknowledging staff member's id (null:
   * unacknowledged), or the team's id (null: told to no team's member).
   */
  group: string | null;
  /** The staff member's or the team's name when grouped by staff or team. */
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
 * answered within 60 s and 180 s), per severity and per month, week (in the organisation's time zone), acknowledging
 * staff member or team told. An alert's time to acknowledge is to its first acknowledgement (a re-triggered alert
 * keeps it in `alert_retriggers`; resolving an unacknowledged alert acknowledges it); time to first receipt is to
 * the first delivery a device confirmed; escalated means a later step told someone; reached nobody means no
 * delivery was ever confirmed received. Percentages are of all the group's alerts, unacknowledged ones included.
 *
 * Per team, an alert counts once for every team with a member it was delivered to (any delivery row for them, at any
 * step, whether or not it arrived), so a team's figures are about the alerts its people were told of and one alert
 * may count for several teams; alerts told to no team's member form one group per severity with a null team.
 */
export async function responseTimeReport(
  sql: postgres.Sql,
  input: { orgId: string; from: Date; to: Date; groupBy: ResponseGrouping },
): Promise<ResponseTimeReport> {
  const [org] = await sql<{ timeZone: unknown }[]>`
    select settings->'timeZone' as "timeZone" from organisations where id = ${input.orgId}`;
  // A zone edited by hand that PostgreSQL would refuse must not fail the report: the default, as ingest reads it.
  const timeZone = usableSetting('timeZone', org?.timeZone) ?? defaultOrganisationSettings.timeZone;
  const grouping = groupingOf(sql, input, timeZone);
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
    )${grouping.ctes}
    select ${grouping.key} as "group", ${grouping.name} as "groupName",
           f.severity, count(*)::int as alerts, count(f.ack_seconds)::int as acknowledged,
           round(100.0 * count(*) filter (where f.ack_seconds <= 60) / count(*), 1)::float8 as "ackWithin60sPct",
           round(100.0 * count(*) filter (where f.ack_seconds <= 180) / count(*), 1)::float8 as "ackWithin180sPct",
           percentile_cont(0.5) within group (order by f.ack_seconds) as "medianAckSeconds",
           percentile_cont(0.9) within group (order by f.ack_seconds) as "p90AckSeconds",
           percentile_cont(0.5) within group (order by f.receipt_seconds) as "medianFirstReceiptSeconds",
           count(*) filter (where f.escalated)::int as escalated,
           count(*) filter (where f.receipt_seconds is null)::int as "reachedNobody"
      from facts f
      ${grouping.join}
     group by 1, f.severity
     order by ${grouping.order}, f.severity`;
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

type Fragment = postgres.PendingQuery<postgres.Row[]>;

/** What a grouping adds to the facts (`f`): the group's key and name, the CTEs and joins behind them, the order. */
function groupingOf(
  sql: postgres.Sql,
  input: { orgId: string; groupBy: ResponseGrouping },
  timeZone: string,
): { key: Fragment; name: Fragment; ctes: Fragment; join: Fragment; order: Fragment } {
  switch (input.groupBy) {
    case 'staff':
      return {
        key: sql`f.acknowledged_by::text`,
        name: sql`min(s.name)`,
        ctes: sql``,
        join: sql`left join staff s on s.id = f.acknowledged_by`,
        order: sql`1 nulls last`,
      };
    case 'team':
      // One row per (alert, team told): an alert repeats for each of its teams, and stays once, teamless, with none.
      return {
        key: sql`told.team_id::text`,
        name: sql`min(t.name)`,
        ctes: sql`, told as (
          select distinct d.alert_id, m.team_id
            from alert_deliveries d
            join (${teamMembers(sql, input.orgId)}) m on m.staff_id = d.staff_id
           where d.org_id = ${input.orgId} and d.alert_id in (select id from facts)
        )`,
        join: sql`left join told on told.alert_id = f.id left join teams t on t.id = told.team_id`,
        order: sql`"groupName" nulls last, 1`,
      };
    default:
      return {
        key: sql`to_char(date_trunc(${input.groupBy}, f.opened_at at time zone ${timeZone}), 'YYYY-MM-DD')`,
        name: sql`null`,
        ctes: sql``,
        join: sql``,
        order: sql`1 nulls last`,
      };
  }
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
