import type { Execute } from '../migrate';

/** Event kinds that count as the resident moving about (the same as ingest's activity rules). */
export const ACTIVITY_KINDS = ['activity', 'door_open', 'door_closed', 'going_out', 'back_home', 'emergency_button'];

export interface RiskFacts {
  residentId: string;
  name: string;
  presence: string;
  /** Activity-class events in the 24 hours before `now`. */
  activityLast24h: number;
  /** Mean activity-class events per day over the 7 days before that. */
  baselinePerDay: number;
  hoursSinceActivity: number | null;
  openAlerts: number;
  openCritical: number;
  alertsLast7Days: number;
  hubOffline: boolean;
}

/**
 * The facts behind the at-risk ranking for the given residents of one organisation, in one query joining
 * residents with the hourly activity relation (continuous aggregate on TimescaleDB, view elsewhere), alerts and
 * hubs. `residentIds` is what the caller may read (decided by `readableResidents`).
 */
export async function riskFacts(
  execute: Execute,
  params: { orgId: string; residentIds: string[]; now: Date },
): Promise<RiskFacts[]> {
  if (params.residentIds.length === 0) return [];
  const rows = await execute(
    `with scope as (
       select r.id, r.name, r.presence::text as presence, r.last_activity_at
         from residents r
        where r.org_id = $1 and r.id = any($2::text[]::uuid[]) and r.status = 'active'
     ), activity as (
       select a.resident_id,
              coalesce(sum(a.events) filter (where a.bucket >= $3::timestamptz - interval '24 hours'), 0)::int as last_24h,
              coalesce(sum(a.events) filter (where a.bucket < $3::timestamptz - interval '24 hours'), 0)::float8 / 7
                as baseline
         from resident_activity_hourly a
        where a.org_id = $1 and a.resident_id = any($2::text[]::uuid[]) and a.kind::text = any($4::text[])
          and a.bucket >= $3::timestamptz - interval '8 days' and a.bucket < $3::timestamptz
        group by a.resident_id
     ), alert_counts as (
       select resident_id,
              count(*) filter (where status <> 'resolved')::int as open,
              count(*) filter (where status <> 'resolved' and severity = 'critical')::int as open_critical,
              count(*) filter (where opened_at >= $3::timestamptz - interval '7 days')::int as last_7d
         from alerts
        where org_id = $1 and resident_id = any($2::text[]::uuid[])
          and (status <> 'resolved' or opened_at >= $3::timestamptz - interval '7 days')
        group by resident_id
     ), hub_state as (
       select h.resident_id,
              bool_or(h.last_seen_at is null or h.last_seen_at < $3::timestamptz - make_interval(mins =>
                coalesce(case when jsonb_typeof(o.settings -> 'hubOfflineMinutes') = 'number'
                                   and (o.settings ->> 'hubOfflineMinutes')::numeric between 1 and 1440
                              then (o.settings ->> 'hubOfflineMinutes')::numeric::int end, 30))) as offline
         from hubs h join organisations o on o.id = h.org_id
        where h.org_id = $1 and h.resident_id = any($2::text[]::uuid[])
        group by h.resident_id
     )
     select s.id::text as resident_id, s.name, s.presence,
            coalesce(a.last_24h, 0) as last_24h, round(coalesce(a.baseline, 0)::numeric, 3)::float8 as baseline,
            round((extract(epoch from ($3::timestamptz - s.last_activity_at)) / 3600)::numeric, 2)::float8 as hours_silent,
            coalesce(c.open, 0) as open, coalesce(c.open_critical, 0) as open_critical, coalesce(c.last_7d, 0) as last_7d,
            coalesce(h.offline, false) as hub_offline
       from scope s
       left join activity a on a.resident_id = s.id
       left join alert_counts c on c.resident_id = s.id
       left join hub_state h on h.resident_id = s.id
      order by s.id`,
    [params.orgId, params.residentIds, params.now.toISOString(), ACTIVITY_KINDS],
  );
  return rows.map((row) => ({
    residentId: String(row.resident_id),
    name: String(row.name),
    presence: String(row.presence),
    activityLast24h: Number(row.last_24h),
    baselinePerDay: Number(row.baseline),
    hoursSinceActivity: row.hours_silent == null ? null : Number(row.hours_silent),
    openAlerts: Number(row.open),
    openCritical: Number(row.open_critical),
    alertsLast7Days: Number(row.last_7d),
    hubOffline: row.hub_offline === true,
  }));
}

export interface RiskAssessment extends RiskFacts {
  score: number;
  reasons: string[];
}

/** Turns facts into a score with the reasons a care worker reads; higher is more concerning. */
export function assessRisk(facts: RiskFacts): RiskAssessment {
  const reasons: string[] = [];
  let score = 0;
  if (facts.baselinePerDay >= 1 && facts.activityLast24h < facts.baselinePerDay * 0.5) {
    const drop = Math.round((1 - facts.activityLast24h / facts.baselinePerDay) * 100);
    score += Math.round(drop * 0.4);
    reasons.push(`activity ${drop}% below the 7-day baseline`);
  }
  if (facts.hoursSinceActivity != null && facts.hoursSinceActivity >= 6 && facts.presence === 'home') {
    score += Math.min(48, Math.floor(facts.hoursSinceActivity));
    reasons.push(`no activity for ${Math.floor(facts.hoursSinceActivity)} h`);
  }
  if (facts.openAlerts > 0) {
    score += 20 * facts.openAlerts + 20 * facts.openCritical;
    reasons.push(`${facts.openAlerts} open alert(s)${facts.openCritical ? `, ${facts.openCritical} critical` : ''}`);
  }
  if (facts.alertsLast7Days > 0) {
    score += 5 * facts.alertsLast7Days;
    reasons.push(`${facts.alertsLast7Days} alert(s) in the last 7 days`);
  }
  if (facts.hubOffline) {
    score += 25;
    reasons.push('hub offline');
  }
  return { ...facts, score, reasons };
}
