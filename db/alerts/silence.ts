import type postgres from 'postgres';
import { defaultOrganisationSettings, defaultThresholds } from '../defaults';
import type { AlertSeverity } from '../schema/alerts';
import { dedupKey, dedupKeySql } from './dedup-key';
import { type RaiseAlertInput, raiseAlert } from './raise-alert';
import { resolveBySystem } from './resolve-by-system';

/**
 * The no-activity ladder: hours without activity → step → severity. Steps only ever rise while the alert is open
 * (raiseAlert keeps the more severe one); activity returning resolves it.
 */
export const inactivityLadder = [
  { step: 'danger', severity: 'critical' },
  { step: 'warning', severity: 'high' },
  { step: 'caution', severity: 'medium' },
] as const satisfies readonly { step: 'caution' | 'warning' | 'danger'; severity: AlertSeverity }[];

export const HUB_OFFLINE_SEVERITY: AlertSeverity = 'medium';

export interface SilenceOutcome {
  raised: {
    alertId: string;
    orgId: string;
    residentId: string;
    kind: 'no_activity' | 'hub_offline';
    severity: AlertSeverity;
    created: boolean;
  }[];
  resolved: { alertId: string; orgId: string; residentId: string; kind: string }[];
}

const severityRank: Record<AlertSeverity, number> = { critical: 0, high: 1, medium: 2, low: 3 };

/**
 * Evaluates the time-driven rules for every organisation at `now`: residents at home past a step of their
 * no-activity ladder (paused while out or on a long absence), and hubs not heard from for the organisation's
 * `hubOfflineMinutes`. Both clear themselves when activity or the hub returns. Each alert is raised in its own
 * transaction through raiseAlert (dedup, outbox, NOTIFY). One run at a time across processes is the job's
 * concern (`silenceJob`, an advisory-lock job); two overlapping runs would still raise each alert once (dedup).
 */
export async function evaluateSilence(sql: postgres.Sql, now: Date = new Date()): Promise<SilenceOutcome> {
  const outcome: SilenceOutcome = { raised: [], resolved: [] };
  await noActivity(sql, now, outcome);
  await hubsOffline(sql, now, outcome);
  return outcome;
}

async function noActivity(sql: postgres.Sql, now: Date, outcome: SilenceOutcome): Promise<void> {
  const at = now.toISOString();
  const { caution, warning, danger } = defaultThresholds.inactivityHours;
  // Residents past their first step, or with an open no-activity alert (which may need raising or clearing).
  const rows = await sql<
    {
      residentId: string;
      orgId: string;
      name: string;
      presence: string;
      hoursSilent: number;
      caution: number;
      warning: number;
      danger: number;
      openSeverity: AlertSeverity | null;
    }[]
  >`
    select * from (
      select r.id as "residentId", r.org_id as "orgId", r.name, r.presence::text as presence,
             extract(epoch from (${at}::timestamptz - r.last_activity_at)) / 3600 as "hoursSilent",
             coalesce((r.thresholds -> 'inactivityHours' ->> 'caution')::float8, ${caution}) as caution,
             coalesce((r.thresholds -> 'inactivityHours' ->> 'warning')::float8, ${warning}) as warning,
             coalesce((r.thresholds -> 'inactivityHours' ->> 'danger')::float8, ${danger}) as danger,
             a.severity as "openSeverity"
        from residents r
        left join alerts a on a.org_id = r.org_id and a.dedup_key = ${dedupKeySql(sql, 'r.id', 'no_activity')}
                          and a.status <> 'resolved'
       where r.status = 'active' and r.last_activity_at is not null
    ) s
     where "openSeverity" is not null or (presence = 'home' and "hoursSilent" >= caution)`;

  for (const row of rows) {
    const reached = inactivityLadder.find((rung) => row.hoursSilent >= row[rung.step]);
    if (!reached) {
      // Activity came back (written by ingest or by hand) without the batch that would have cleared it.
      await sql.begin((tx) => resolveSilence(tx, row, 'no_activity', 'Cleared: activity resumed', outcome));
      continue;
    }
    if (row.presence !== 'home') continue; // paused while out: keep what is open, raise nothing new
    if (row.openSeverity && severityRank[row.openSeverity] <= severityRank[reached.severity]) continue;
    const hours = Math.floor(row.hoursSilent);
    await sql.begin((tx) =>
      raiseSilence(
        tx,
        row,
        {
          kind: 'no_activity',
          severity: reached.severity,
          title: `No activity for ${hours} h (${reached.step})`,
          details: {
            hoursSilent: hours,
            step: reached.step,
            ladder: { caution: row.caution, warning: row.warning, danger: row.danger },
          },
        },
        outcome,
      ),
    );
  }
}

async function hubsOffline(sql: postgres.Sql, now: Date, outcome: SilenceOutcome): Promise<void> {
  const at = now.toISOString();
  const rows = await sql<
    {
      hubId: string;
      orgId: string;
      residentId: string;
      name: string;
      minutesSilent: number;
      offline: boolean;
      open: boolean;
    }[]
  >`
    select * from (
      select h.id as "hubId", h.org_id as "orgId", h.resident_id as "residentId", h.name,
             extract(epoch from (${at}::timestamptz - h.last_seen_at)) / 60 as "minutesSilent",
             h.last_seen_at < ${at}::timestamptz - make_interval(mins =>
               ${hubOfflineMinutesSql(sql, defaultOrganisationSettings.hubOfflineMinutes)}) as offline,
             exists (select 1 from alerts a where a.org_id = h.org_id and a.status <> 'resolved'
                        and a.dedup_key = ${dedupKeySql(sql, 'h.resident_id', 'hub_offline')}) as open
        from hubs h join organisations o on o.id = h.org_id
       where h.resident_id is not null and h.last_seen_at is not null
    ) s
     where offline <> open`;

  for (const row of rows) {
    await sql.begin((tx) =>
      row.open
        ? resolveSilence(tx, row, 'hub_offline', 'Cleared: the hub is reporting again', outcome)
        : raiseSilence(
            tx,
            row,
            {
              hubId: row.hubId,
              kind: 'hub_offline',
              severity: HUB_OFFLINE_SEVERITY,
              title: `${row.name} offline`,
              details: { minutesSilent: Math.floor(row.minutesSilent) },
            },
            outcome,
          ),
    );
  }
}

type SilenceKind = SilenceOutcome['raised'][number]['kind'];
type Silent = { orgId: string; residentId: string };

/** Raises (or attaches to) the resident's silence alert of this kind and records it in the run's outcome. */
async function raiseSilence(
  tx: postgres.TransactionSql,
  { orgId, residentId }: Silent,
  alert: Omit<RaiseAlertInput, 'orgId' | 'residentId' | 'dedupKey'> & { kind: SilenceKind },
  outcome: SilenceOutcome,
): Promise<void> {
  const raised = await raiseAlert(tx, { ...alert, orgId, residentId, dedupKey: dedupKey(residentId, alert.kind) });
  const { alertId, severity, created } = raised;
  outcome.raised.push({ alertId, orgId, residentId, kind: alert.kind, severity, created });
}

/** The silence ended without the ingest batch that would have cleared it: resolves the alert by the system. */
async function resolveSilence(
  tx: postgres.TransactionSql,
  { orgId, residentId }: Silent,
  kind: SilenceKind,
  note: string,
  outcome: SilenceOutcome,
): Promise<void> {
  const resolved = await resolveBySystem(tx, { orgId, dedupKeys: [dedupKey(residentId, kind)], note });
  for (const alert of resolved) outcome.resolved.push({ ...alert, orgId, residentId });
}

/**
 * The organisation's `hubOfflineMinutes` in SQL, by the rule the API checks (a whole number, 1–1,440): a value edited
 * by hand that breaks it (text, a fraction, a huge number) takes the default instead of failing the job's statement.
 */
export function hubOfflineMinutesSql(sql: postgres.Sql | postgres.TransactionSql, fallback: number) {
  return sql`coalesce(case when jsonb_typeof(o.settings -> 'hubOfflineMinutes') = 'number'
                             and (o.settings ->> 'hubOfflineMinutes')::numeric between 1 and 1440
                        then (o.settings ->> 'hubOfflineMinutes')::numeric::int end, ${fallback}::int)`;
}
