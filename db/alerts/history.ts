import type postgres from 'postgres';
import type { AlertOutcome } from '../schema/alerts';
import { attemptsOfAlert, type DeliveryView } from './channels/attempts-of-alert';

type Sql = postgres.Sql | postgres.TransactionSql;

/** One thing that happened to an alert, in the order it happened. */
export interface TimelineEntry {
  at: string;
  /**
   * `raised`; `told` (a delivery created: the person is told at an escalation step); `delivery <state>` (a
   * dashboard delivery's later states: sent, delivered, acknowledged, superseded, failed); `push <state>` and
   * `webhook <state>` (a channel attempt's states); `escalated` (the first person told at a later step);
   * `retriggered`; `note`; `resolved`.
   */
  event: string;
  staffId: string | null;
  staffName: string | null;
  deliveryId: string | null;
  escalationLevel: number | null;
  detail: string | null;
}

export interface AlertHandling {
  outcome: AlertOutcome | null;
  note: string | null;
  resolvedBy: string | null;
  resolvedByName: string | null;
  resolvedAt: string;
}

export interface AlertHistory {
  deliveries: DeliveryView[];
  timeline: TimelineEntry[];
  handling: AlertHandling | null;
}

/** At most this many timeline entries (an alert told to a whole organisation at once can have thousands). */
export const TIMELINE_LIMIT = 2_000;

const ISO = 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"';

/**
 * Everything that happened to one alert, from the database: who was told at which step and how (deliveries with
 * their channel attempts), one timeline of every state change (delivery and attempt history, escalations,
 * re-triggers, notes, resolution), and the handling record. The caller has checked the alert is theirs to read.
 */
export async function alertHistory(sql: Sql, alertId: string): Promise<AlertHistory> {
  const [deliveries, timeline, [handling]] = await Promise.all([
    attemptsOfAlert(sql, alertId),
    sql<TimelineEntry[]>`
      select to_char(e.at at time zone 'UTC', ${ISO}) as at, e.event, e.staff_id as "staffId",
             s.name as "staffName", e.delivery_id as "deliveryId", e.escalation_level as "escalationLevel", e.detail
        from (
          select a.opened_at as at, 'raised' as event, null::uuid as staff_id, null::uuid as delivery_id,
                 0 as escalation_level, a.title as detail, 0 as tiebreak
            from alerts a where a.id = ${alertId}
          union all
          select h.at, case when h.from_state is null then 'told' else 'delivery ' || h.to_state end, d.staff_id,
                 d.id, d.escalation_level, h.detail, 1
            from alert_delivery_history h join alert_deliveries d on d.id = h.delivery_id
           where d.alert_id = ${alertId}
          union all
          select h.at, a.channel || ' ' || h.to_state, a.staff_id, a.delivery_id, d.escalation_level,
                 concat_ws('; ', h.detail, 'HTTP ' || h.provider_status), 2
            from delivery_channel_attempt_history h
            join delivery_channel_attempts a on a.id = h.attempt_id
            join alert_deliveries d on d.id = a.delivery_id
           where a.alert_id = ${alertId}
          union all
          select min(d.pending_at), 'escalated', null, null, d.escalation_level, null, 0
            from alert_deliveries d
           where d.alert_id = ${alertId} and d.escalation_level > 0
           group by d.retrigger, d.escalation_level
          union all
          select r.at, 'retriggered', r.acknowledged_by, null, r.escalation_level, r.cause::text, 0
            from alert_retriggers r where r.alert_id = ${alertId}
          union all
          select n.created_at, 'note', n.staff_id, null, null, n.body, 3
            from alert_notes n where n.alert_id = ${alertId}
          union all
          select a.resolved_at, 'resolved', a.resolved_by, null, a.escalation_level,
                 concat_ws(': ', a.resolution_outcome::text, nullif(a.resolution_note, '')), 4
            from alerts a where a.id = ${alertId} and a.resolved_at is not null
        ) e
        left join staff s on s.id = e.staff_id
       order by e.at, e.tiebreak
       limit ${TIMELINE_LIMIT}`,
    sql<AlertHandling[]>`
      select a.resolution_outcome as outcome, a.resolution_note as note, a.resolved_by as "resolvedBy",
             s.name as "resolvedByName", to_char(a.resolved_at at time zone 'UTC', ${ISO}) as "resolvedAt"
        from alerts a left join staff s on s.id = a.resolved_by
       where a.id = ${alertId} and a.resolved_at is not null`,
  ]);
  return { deliveries, timeline, handling: handling ?? null };
}
