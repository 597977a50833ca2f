import type postgres from 'postgres';
import { type ClearedAlert, clearAlert } from '../../db/alerts/clear-alert';
import { dedupKey } from '../../db/alerts/dedup-key';
import { countFalseAlarm } from '../../db/alerts/false-alarms';
import { raiseAlert } from '../../db/alerts/raise-alert';
import { resolveBySystem } from '../../db/alerts/resolve-by-system';
import { detectionDefaults } from '../../db/defaults';
import type { AlertKind, AlertSeverity } from '../../db/schema/alerts';
import type { HubContext } from './hub-auth';
import {
  conditions,
  type DetectionEvent,
  type Effect,
  eventRules,
  INSPECTION_ALERT,
  SUSTAINED_VITAL_SEVERITY,
} from './rules';
import type { DetectionSettings } from './settings';
import type { HubStatus } from './validate-batch';

type Tx = postgres.TransactionSql;

export interface AlertOutcome {
  alertId: string;
  kind: AlertKind;
  severity: AlertSeverity;
  /** False when the events attached to an alert that was already open. */
  created: boolean;
}

export interface DetectionOutcome {
  alerts: AlertOutcome[];
  cleared: ClearedAlert[];
}

type SustainedEffect = Extract<Effect, { type: 'sustained' }>;
type RaiseEffect = Extract<Effect, { type: 'raise' }>;

/**
 * Runs the rules of `rules.ts` over the events a batch newly stored (never over duplicates), inside the ingest
 * transaction, so events, alerts and their first deliveries commit together or not at all.
 */
export async function detect(
  tx: Tx,
  hub: HubContext,
  settings: DetectionSettings,
  status: HubStatus,
  accepted: DetectionEvent[],
): Promise<DetectionOutcome> {
  const residentId = hub.residentId;
  const outcome = new Outcome();
  if (!residentId) return outcome.result();

  const raise = async (
    effect: { alert: AlertKind; severity: AlertSeverity; title: string; perDevice?: boolean },
    event: DetectionEvent | null,
    details: Record<string, unknown>,
    eventCount = 1,
  ) => {
    const raised = await raiseAlert(tx, {
      eventCount,
      orgId: hub.orgId,
      residentId,
      hubId: hub.id,
      deviceId: event?.deviceId ?? null,
      kind: effect.alert,
      severity: effect.severity,
      dedupKey: dedupKey(residentId, effect.alert, effect.perDevice ? event?.deviceId : null),
      title: effect.title,
      details,
      sourceEventId: event?.eventId ?? null,
      sourceEventTime: event?.time ?? null,
    });
    outcome.raised({ alertId: raised.alertId, kind: effect.alert, severity: raised.severity, created: raised.created });
  };

  const falseAlarm = async (deviceId: string | null) => {
    if (!deviceId) return;
    const counted = await countFalseAlarm(tx, { orgId: hub.orgId, deviceId });
    if (counted?.newlyFlagged) {
      await raise({ ...INSPECTION_ALERT, perDevice: true }, null, {
        deviceId,
        falseAlarms: counted.count,
        reason: `${counted.count} false alarms`,
      });
    }
  };

  if (status.powerState === 'cut') {
    await raise(eventRules.power_cut.effect as { alert: AlertKind; severity: AlertSeverity; title: string }, null, {
      reportedBy: 'heartbeat',
    });
  }

  // Consecutive raises with the same dedup key become one raiseAlert call counting them all (a batch often carries
  // several presses or door openings); any other effect flushes them first, so order is kept (press, then cancel).
  const pending = new Map<string, { effect: RaiseEffect; first: DetectionEvent; count: number }>();
  const flush = async () => {
    for (const { effect, first, count } of pending.values()) await raise(effect, first, eventDetails(first), count);
    pending.clear();
  };

  const vitals = new Map<SustainedEffect, DetectionEvent>();
  for (const event of accepted) {
    const effect = eventRules[event.kind].effect;
    if (!effect) continue;
    if (effect.type !== 'raise' && effect.type !== 'sustained') await flush();
    switch (effect.type) {
      case 'raise': {
        if (effect.when && !conditions[effect.when](event, settings)) break;
        const key = dedupKey(residentId, effect.alert, effect.perDevice ? event.deviceId : null);
        const group = pending.get(key);
        if (group) group.count++;
        else pending.set(key, { effect, first: event, count: 1 });
        break;
      }
      case 'sustained': {
        const band = settings.thresholds[effect.band];
        const outside = event.value != null && (event.value < band.min || event.value > band.max);
        const latest = vitals.get(effect);
        if (outside && (!latest || event.time > latest.time)) vitals.set(effect, event);
        break;
      }
      case 'clear': {
        const cleared = await clearAlert(tx, {
          orgId: hub.orgId,
          dedupKey: dedupKey(residentId, effect.alert),
          note: effect.note,
          eventId: event.eventId,
          at: event.time,
        });
        if (cleared) outcome.clear([cleared]);
        if (effect.falseAlarm) await falseAlarm(event.deviceId);
        break;
      }
      case 'resolve':
        outcome.clear(
          await resolveBySystem(tx, {
            orgId: hub.orgId,
            dedupKeys: [dedupKey(residentId, effect.alert)],
            note: effect.note,
          }),
        );
        break;
      case 'falseAlarm':
        await falseAlarm(event.deviceId);
        break;
    }
  }

  await flush();
  for (const [effect, event] of vitals) {
    const band = settings.thresholds[effect.band];
    const readings = await recentReadings(tx, residentId, event);
    const sustained =
      readings.length >= detectionDefaults.sustainedVitals.readings &&
      readings.every((value) => value < band.min || value > band.max);
    if (!sustained) continue;
    await raise(
      { alert: effect.alert, severity: SUSTAINED_VITAL_SEVERITY, title: `${effect.title} out of range` },
      event,
      { readings, band, direction: (event.value ?? 0) < band.min ? 'below' : 'above' },
    );
  }
  return outcome.result();
}

/** The newest readings of the event's kind up to it, within the sustained window (includes this batch's rows). */
async function recentReadings(tx: Tx, residentId: string, event: DetectionEvent): Promise<number[]> {
  const { readings, withinMinutes } = detectionDefaults.sustainedVitals;
  const rows = await tx<{ value: number }[]>`
    select value from sensor_events
     where resident_id = ${residentId} and kind = ${event.kind}::sensor_event_kind and value is not null
       and time <= ${event.time.toISOString()}::timestamptz
       and time > ${event.time.toISOString()}::timestamptz - make_interval(mins => ${withinMinutes})
     order by time desc limit ${readings}`;
  return rows.map((row) => row.value);
}

function eventDetails(event: DetectionEvent): Record<string, unknown> {
  return {
    eventId: event.eventId,
    eventTime: event.time.toISOString(),
    ...(event.value == null ? {} : { value: event.value }),
    ...(event.payload ? { payload: event.payload } : {}),
  };
}

/** Collects what a batch did to alerts; an alert touched several times is listed once. */
class Outcome {
  private readonly alerts = new Map<string, AlertOutcome>();
  private readonly cleared = new Map<string, ClearedAlert>();

  raised(alert: AlertOutcome) {
    const seen = this.alerts.get(alert.alertId);
    this.alerts.set(alert.alertId, seen ? { ...alert, created: seen.created || alert.created } : alert);
  }

  clear(alerts: ClearedAlert[]) {
    for (const alert of alerts) this.cleared.set(alert.alertId, alert);
  }

  result(): DetectionOutcome {
    return { alerts: [...this.alerts.values()], cleared: [...this.cleared.values()] };
  }
}

/**
 * Alerts a batch clears by merely arriving: the hub is heard from (hub offline), activity resumed (no activity),
 * the heartbeat says mains power (power cut). Resolved in the same statement that stores the batch.
 */
export function selfClearingKeys(hub: HubContext, status: HubStatus, events: DetectionEvent[]): string[] {
  if (!hub.residentId) return [];
  const keys = [dedupKey(hub.residentId, 'hub_offline')];
  if (events.some((event) => eventRules[event.kind].activity)) keys.push(dedupKey(hub.residentId, 'no_activity'));
  if (status.powerState === 'mains') keys.push(dedupKey(hub.residentId, 'power_cut'));
  return keys;
}

/**
 * Whether any rule could act on these events (evaluated on every valid event, duplicates included, so it may say
 * yes needlessly but never no wrongly). A routine batch — motion, vitals in range — skips the rules' transaction.
 */
export function rulesMayAct(
  hub: HubContext,
  settings: DetectionSettings,
  status: HubStatus,
  events: DetectionEvent[],
): boolean {
  if (!hub.residentId) return false;
  if (status.powerState === 'cut') return true;
  return events.some((event) => {
    const effect = eventRules[event.kind].effect;
    if (!effect) return false;
    if (effect.type === 'raise') return !effect.when || conditions[effect.when](event, settings);
    if (effect.type === 'sustained') {
      const band = settings.thresholds[effect.band];
      return event.value != null && (event.value < band.min || event.value > band.max);
    }
    return true;
  });
}
