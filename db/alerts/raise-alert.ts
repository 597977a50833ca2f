import type postgres from 'postgres';
import type { AlertKind, AlertSeverity, AlertStatus } from '../schema/alerts';
import type { NewDeliveryRow } from './channel';
import { createDeliveries } from './deliveries';
import { usablePolicy } from './escalation-policy';
import { type AlertOnLadder, advanceLadder, whenNobodyOnTheLadder } from './ladder';
import { jsonText, notify } from './notify';
import { retriggerAlert } from './retrigger';
import { allowAlertTransition } from './state-machine';

type Tx = postgres.TransactionSql;

export interface RaiseAlertInput {
  orgId: string;
  residentId: string;
  hubId?: string | null;
  deviceId?: string | null;
  kind: AlertKind;
  severity: AlertSeverity;
  /** Same key while open = same alert; usually `${residentId}:${kind}`. */
  dedupKey: string;
  title: string;
  details?: Record<string, unknown>;
  sourceEventId?: string | null;
  sourceEventTime?: Date | null;
  /** Matching events this call stands for (a batch with several presses raises once); default 1. */
  eventCount?: number;
}

export interface RaisedAlert {
  alertId: string;
  /** False when the event attached to an alert that was already open (deduplicated). */
  created: boolean;
  /** True when a critical event found the alert acknowledged but unresolved and put it back to open. */
  retriggered: boolean;
  severity: AlertSeverity;
  /** Deliveries written in this transaction: the outbox the realtime node sends from. */
  deliveries: NewDeliveryRow[];
}

/**
 * Opens an alert, or attaches to the open one with the same dedup key, inside the caller's transaction.
 * A new alert gets its first deliveries (the outbox) in the same transaction, and a NOTIFY that PostgreSQL
 * only sends on commit; if the wake-up is lost anyway, the realtime node's sweep finds the pending deliveries.
 * Severity only ever rises while an alert is open (e.g. the no-activity ladder caution → warning → danger).
 * A critical event (a new SOS, fall, fire…) on an alert that was acknowledged but not resolved re-triggers it
 * (see `retriggerAlert`): a new emergency is never swallowed by an earlier acknowledgement. Other events attach.
 */
export async function raiseAlert(tx: Tx, input: RaiseAlertInput, nodeId?: string): Promise<RaisedAlert> {
  const at = input.sourceEventTime ?? new Date();
  const [row] = await tx<
    {
      id: string;
      created: boolean;
      severity: AlertSeverity;
      raised: boolean;
      status: AlertStatus;
      level: number;
      policy: unknown;
    }[]
  >`
    insert into alerts (org_id, resident_id, hub_id, device_id, kind, severity, dedup_key, title, details,
                        source_event_id, source_event_time, last_event_at, event_count)
    values (${input.orgId}, ${input.residentId}, ${input.hubId ?? null}, ${input.deviceId ?? null}, ${input.kind},
            ${input.severity}, ${input.dedupKey}, ${input.title}, ${jsonText(input.details ?? {})}::text::jsonb,
            ${input.sourceEventId ?? null}, ${input.sourceEventTime?.toISOString() ?? null}::timestamptz,
            ${at.toISOString()}::timestamptz, ${input.eventCount ?? 1})
    on conflict (org_id, dedup_key) where status <> 'resolved' do update set
      event_count = alerts.event_count + excluded.event_count,
      last_event_at = greatest(alerts.last_event_at, excluded.last_event_at),
      severity = least(alerts.severity, excluded.severity),
      title = case when excluded.severity < alerts.severity then excluded.title else alerts.title end,
      details = alerts.details || excluded.details,
      updated_at = now()
    returning id, (xmax = 0) as created, severity, status, escalation_level as level,
              -- A subquery in RETURNING reads the table as it was before this statement: the previous severity.
              (xmax <> 0 and severity < (select previous.severity from alerts previous where previous.id = alerts.id))
                as raised,
              -- Read here, not in a statement of its own: a new alert's ladder, one round trip less on its path.
              (select json_build_object('steps', p.steps, 'repeat', p.repeat) from escalation_policies p
                where p.org_id = alerts.org_id and p.severity = ${input.severity}) as policy`;
  if (!row) throw new Error('alert upsert returned no row');

  // Parsed only where a ladder is walked: a malformed one is reported then, not on every attach.
  const policy = () => usablePolicy(row.policy, input.orgId, input.severity);
  if (!row.created && row.status === 'acknowledged' && input.severity === 'critical') {
    // The upsert holds the alert row's lock, so no acknowledgement or resolution can interleave. A critical event
    // sets the severity to critical, so the ladder read above (by the event's severity) is the alert's own.
    const deliveries = await retriggerAlert(
      tx,
      {
        alertId: row.id,
        orgId: input.orgId,
        residentId: input.residentId,
        severity: input.severity,
        level: row.level,
        policy: policy(),
      },
      { cause: 'new_event', sourceEventId: input.sourceEventId ?? null, nodeId },
    );
    return { alertId: row.id, created: false, retriggered: true, severity: row.severity, deliveries };
  }
  if (!row.created) {
    allowAlertTransition('attach', row.status);
    await notify(tx, { alertId: row.id, change: row.raised ? 'updated' : 'attached' });
    return { alertId: row.id, created: false, retriggered: false, severity: row.severity, deliveries: [] };
  }

  const alert = {
    alertId: row.id,
    orgId: input.orgId,
    residentId: input.residentId,
    severity: input.severity,
    policy: policy(),
    retrigger: 0,
    nodeId,
  };
  const deliveries = await startEscalation(tx, alert);
  return { alertId: row.id, created: true, retriggered: false, severity: row.severity, deliveries };
}

/**
 * Puts a new alert on the first step of its severity's ladder that has someone to tell, and sends its 'created'
 * NOTIFY in the statement that records the step. A ladder whose first round names nobody (no assignments, no
 * managers) falls back to every active admin and manager, then every active staff member: an alert must never be
 * told to no one.
 */
async function startEscalation(tx: Tx, alert: AlertOnLadder): Promise<NewDeliveryRow[]> {
  const step = await advanceLadder(tx, alert, { fromLevel: 0, firstRoundOnly: true, change: 'created' });
  if (step) return step.deliveries;
  const { staffIds, told } = await whenNobodyOnTheLadder(tx, alert.orgId);
  return createDeliveries(
    tx,
    { ...alert, staffIds, level: 0 },
    {
      change: 'created',
      set: tx`details = details || ${jsonText({ escalation: `no one on the ladder; told ${told}` })}::text::jsonb,
              next_escalation_at = null`,
    },
  );
}
