import type postgres from 'postgres';
import type { AlertKind, AlertSeverity, AlertStatus } from '../schema/alerts';
import { ALERTS_CHANNEL, type AlertChange, type AlertNotification } from './channel';
import { createDeliveries, type NewDeliveryRow } from './deliveries';
import { type EscalationPolicy, usablePolicy } from './escalation-policy';
import { positionOnLadder, staffForStep } from './escalation-targets';
import { retriggerAlert } from './retrigger';

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

  if (!row.created && row.status === 'acknowledged' && input.severity === 'critical') {
    // The upsert holds the alert row's lock, so no acknowledgement or resolution can interleave. A critical event
    // sets the severity to critical, so the ladder read above (by the event's severity) is the alert's own.
    const deliveries = await retriggerAlert(
      tx,
      {
        alertId: row.id,
        orgId: input.orgId,
        residentId: input.residentId,
        level: row.level,
        policy: usablePolicy(row.policy, input.orgId, input.severity),
      },
      { cause: 'new_event', sourceEventId: input.sourceEventId ?? null, nodeId },
    );
    return { alertId: row.id, created: false, retriggered: true, severity: row.severity, deliveries };
  }
  if (!row.created) {
    await notify(tx, { alertId: row.id, change: row.raised ? 'updated' : 'attached' });
    return { alertId: row.id, created: false, retriggered: false, severity: row.severity, deliveries: [] };
  }

  const deliveries = await startEscalation(tx, {
    alertId: row.id,
    orgId: input.orgId,
    residentId: input.residentId,
    policy: usablePolicy(row.policy, input.orgId, input.severity),
    nodeId,
  });
  return { alertId: row.id, created: true, retriggered: false, severity: row.severity, deliveries };
}

/**
 * Puts a new alert on the first step of its severity's ladder that has someone to tell, and sends its 'created'
 * NOTIFY in the statement that records the step. A ladder that names nobody (no assignments, no managers) falls
 * back to every active admin and manager, then every active staff member: an alert must never be told to no one.
 */
async function startEscalation(
  tx: Tx,
  alert: { alertId: string; orgId: string; residentId: string; policy: EscalationPolicy; nodeId?: string },
): Promise<NewDeliveryRow[]> {
  const { policy } = alert;
  const target = { alertId: alert.alertId, orgId: alert.orgId, nodeId: alert.nodeId };
  const created = (deliveries: NewDeliveryRow[]) => ({
    alertId: alert.alertId,
    change: 'created' as const,
    deliveries,
  });
  for (let level = 0; ; level++) {
    const position = positionOnLadder(policy.steps, policy.repeat, level);
    if (!position || position.round > 0) break;
    const staffIds = await staffForStep(tx, alert.orgId, alert.residentId, position.step);
    if (staffIds.length === 0) continue;
    const deliveries = await createDeliveries(tx, { ...target, staffIds, level });
    await notify(
      tx,
      created(deliveries),
      tx`escalation_level = ${level}, next_escalation_at = now() + make_interval(secs => ${position.step.waitSeconds})`,
    );
    return deliveries;
  }
  const { staffIds, told } = await whenNobodyOnTheLadder(tx, alert.orgId);
  const deliveries = await createDeliveries(tx, { ...target, staffIds, level: 0 });
  await notify(
    tx,
    created(deliveries),
    tx`details = details || ${jsonText({ escalation: `no one on the ladder; told ${told}` })}::text::jsonb,
       next_escalation_at = null`,
  );
  return deliveries;
}

/**
 * Who is told when the ladder names nobody: every admin and manager. An organisation with neither tells every
 * active staff member, assigned or not — an emergency reaching some human outranks keeping it to the resident's
 * carers.
 */
export async function whenNobodyOnTheLadder(tx: Tx, orgId: string): Promise<{ staffIds: string[]; told: string }> {
  const active = await tx<{ id: string; privileged: boolean }[]>`
    select id, role in ('admin', 'manager') as privileged from staff where org_id = ${orgId} and active
     order by id`;
  const privileged = active.filter((person) => person.privileged);
  return {
    staffIds: (privileged.length > 0 ? privileged : active).map((person) => person.id),
    told: privileged.length > 0 ? 'every admin and manager' : 'every active staff member',
  };
}

export async function policyFor(
  tx: Tx | postgres.Sql,
  orgId: string,
  severity: AlertSeverity,
): Promise<EscalationPolicy> {
  const [policy] = await tx<{ policy: unknown }[]>`
    select json_build_object('steps', steps, 'repeat', repeat) as policy from escalation_policies
     where org_id = ${orgId} and severity = ${severity}`;
  return usablePolicy(policy?.policy, orgId, severity);
}

/** At most this many new deliveries ride in a NOTIFY payload (PostgreSQL's limit is 8,000 bytes). */
const DELIVERIES_IN_PAYLOAD = 60;

/**
 * Sends the change on commit; the payload's org and resident are read from the alert row, never passed in. New
 * deliveries ride along (up to DELIVERIES_IN_PAYLOAD), so a realtime node claims them without looking them up. With
 * `set`, the same statement first updates the alert: one round trip less on the path every alert takes.
 */
export async function notify(
  tx: Tx | postgres.Sql,
  notification: Pick<AlertNotification, 'alertId' | 'change'> & { deliveries?: NewDeliveryRow[] },
  set?: postgres.PendingQuery<postgres.Row[]>,
): Promise<void> {
  const { deliveries } = notification;
  const carried =
    deliveries && deliveries.length <= DELIVERIES_IN_PAYLOAD
      ? JSON.stringify(deliveries.map((delivery) => [delivery.id, delivery.staffId, delivery.seq]))
      : null;
  const payload = tx`
    json_build_object('alertId', id, 'orgId', org_id, 'residentId', resident_id, 'change', ${notification.change}::text,
                      'deliveries', ${carried}::text::json)::text`;
  if (set)
    await tx`update alerts set ${set} where id = ${notification.alertId} returning pg_notify(${ALERTS_CHANNEL}, ${payload})`;
  else await tx`select pg_notify(${ALERTS_CHANNEL}, ${payload}) from alerts where id = ${notification.alertId}`;
}

export type { AlertChange };

/**
 * JSON goes to the server as text and is cast in SQL (`${jsonText(x)}::text::jsonb`), so the result does not depend
 * on which json serializer the postgres.js client has (drizzle's driver replaces its own client's serializers).
 */
export function jsonText(value: Record<string, unknown>): string {
  return JSON.stringify(value);
}
