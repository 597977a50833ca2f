import type postgres from 'postgres';
import type { ClearedAlert } from '../../db/alerts/clear-alert';
import { lockResidentAlerts } from '../../db/alerts/lock-resident-alerts';
import { isRetryableTransactionError } from '../../db/retry';
import { isDataError } from '../lib/postgres-errors';
import { type AlertOutcome, type DetectionOutcome, detect, rulesMayAct, selfClearingKeys } from './detect';
import type { HubContext } from './hub-auth';
import { eventRules } from './rules';
import { type DetectionSettings, detectionSettings } from './settings';
import { storeBatch, storeRoutineBatch } from './store-events';
import { type EventResult, type HubStatus, type IgnoredField, type ValidBatch, validateBatch } from './validate-batch';

/** The ingest response body (README "Sensor ingest"). `results[i]` answers the request's `events[i]`. */
export interface IngestResponse {
  accepted: number;
  duplicates: number;
  rejected: number;
  results: EventResult[];
  alerts: AlertOutcome[];
  /** Alerts this batch cleared (a cancel marks them) or resolved (the condition ended by itself). */
  cleared: ClearedAlert[];
  /** Heartbeat fields that were not applied, with the reason; present only when there are any. */
  ignored?: IgnoredField[];
}

// Deadlocks and serialisation failures are safe to retry: the transaction left nothing behind.
const ATTEMPTS = 3;

export interface IngestOutcome {
  response: IngestResponse;
  /** The batch changed what the resident's profile shows (an alert opened/joined/cleared, presence moved). */
  changesProfile: boolean;
  /** Set when PostgreSQL refused the batch statement and it was stored event by event: a gap in validation. */
  refusedBatch?: string;
}

/**
 * One batch: events, hub/resident/device state and self-clearing alerts in one statement; when a rule may act,
 * that statement and the rules (alerts, deliveries, NOTIFYs) share one transaction and commit together or not at all.
 */
export function ingestBatch(sql: postgres.Sql, hub: HubContext, body: unknown, now: Date): Promise<IngestOutcome> {
  return storeValidBatch(sql, hub, validateBatch(body, hub.devices, now));
}

/**
 * Stores a validated batch. Should PostgreSQL still refuse the batch statement for its data, the batch is stored
 * again event by event, so one bad row is rejected on its own and never holds back the others (an emergency
 * beside it above all): a 5xx would make the hub re-send the same batch forever.
 */
export async function storeValidBatch(sql: postgres.Sql, hub: HubContext, batch: ValidBatch): Promise<IngestOutcome> {
  const settings = detectionSettings(hub.orgSettings, hub.thresholds);
  let stored: Stored;
  let refusedBatch: string | undefined;
  try {
    stored = await storeWithDetection(sql, hub, settings, batch.hub, batch.events);
  } catch (error) {
    if (!isDataError(error)) throw error;
    refusedBatch = (error as Error).message;
    stored = await storeOneByOne(sql, hub, settings, batch.hub, batch.events);
  }

  const results = batch.results.slice();
  batch.events.forEach((event, position) => {
    const refused = stored.refused.get(position);
    if (refused) results[event.index] = { eventId: event.eventId, status: 'rejected', reason: refused };
    else if (!stored.inserted.has(position)) results[event.index] = { eventId: event.eventId, status: 'duplicate' };
  });
  const ignored = [...batch.ignored, ...stored.ignored];
  const response: IngestResponse = {
    accepted: results.filter((result) => result.status === 'accepted').length,
    duplicates: results.filter((result) => result.status === 'duplicate').length,
    rejected: results.filter((result) => result.status === 'rejected').length,
    results,
    alerts: stored.outcome.alerts,
    cleared: stored.outcome.cleared,
    ...(ignored.length > 0 ? { ignored } : {}),
  };
  const presenceMoved = batch.events.some(
    (event, position) => !stored.refused.has(position) && eventRules[event.kind].presence !== undefined,
  );
  return {
    response,
    changesProfile: stored.outcome.alerts.length > 0 || stored.outcome.cleared.length > 0 || presenceMoved,
    ...(refusedBatch === undefined ? {} : { refusedBatch }),
  };
}

interface Stored {
  /** Positions (into the batch's valid events) newly stored; the others were duplicates or refused. */
  inserted: Set<number>;
  /** Positions PostgreSQL refused to store, with its reason. */
  refused: Map<number, string>;
  outcome: DetectionOutcome;
  /** Heartbeat fields PostgreSQL refused. */
  ignored: IgnoredField[];
}

/** The batch in one statement, or in one transaction with the rules when they may act; deadlocks are retried. */
async function storeWithDetection(
  sql: postgres.Sql,
  hub: HubContext,
  settings: DetectionSettings,
  status: HubStatus,
  events: ValidBatch['events'],
): Promise<Stored> {
  const selfClearing = { dedupKeys: selfClearingKeys(hub, status, events), note: 'Cleared: the hub reports again' };
  for (let attempt = 1; ; attempt++) {
    try {
      if (!rulesMayAct(hub, settings, status, events)) {
        // Routine batch: one statement, atomic on its own, no transaction round trips.
        const stored = await storeRoutineBatch(sql, hub, status, events, selfClearing);
        return {
          inserted: stored.inserted,
          refused: new Map(),
          outcome: { alerts: [], cleared: stored.resolved },
          ignored: [],
        };
      }
      return await sql.begin(async (tx) => {
        // The lock statements and the batch statement go out together (pipelined on the transaction's connection):
        // PostgreSQL still runs them one after the other, each with its own snapshot, so the locks come first at no
        // extra round trip on the alert path.
        const [, stored] = await Promise.all([
          hub.residentId ? lockResidentAlerts(tx, { orgId: hub.orgId, residentId: hub.residentId }) : undefined,
          storeBatch(tx, hub, status, events, selfClearing),
        ]);
        const accepted = events.filter((_, position) => stored.inserted.has(position));
        accepted.sort((a, b) => a.time.getTime() - b.time.getTime());
        const detected = await detect(tx, hub, settings, status, accepted);
        return {
          inserted: stored.inserted,
          refused: new Map<number, string>(),
          outcome: { ...detected, cleared: [...stored.resolved, ...detected.cleared] },
          ignored: [],
        };
      });
    } catch (error) {
      if (attempt >= ATTEMPTS || !isRetryableTransactionError(error)) throw error;
    }
  }
}

/**
 * The fallback when PostgreSQL refused the batch for its data: each event alone (with its rules), then the
 * heartbeat alone. What PostgreSQL refuses again is rejected (an event) or ignored (the heartbeat) with its
 * message; anything else that fails is thrown as before. Each event commits on its own, so a failure half-way is
 * safe to retry: the stored ones come back as duplicates.
 */
async function storeOneByOne(
  sql: postgres.Sql,
  hub: HubContext,
  settings: DetectionSettings,
  status: HubStatus,
  events: ValidBatch['events'],
): Promise<Stored> {
  const inserted = new Set<number>();
  const refused = new Map<number, string>();
  const alerts = new Map<string, AlertOutcome>();
  const cleared = new Map<string, ClearedAlert>();
  const collect = (outcome: DetectionOutcome) => {
    for (const alert of outcome.alerts) {
      const seen = alerts.get(alert.alertId);
      alerts.set(alert.alertId, seen ? { ...alert, created: seen.created || alert.created } : alert);
    }
    for (const alert of outcome.cleared) cleared.set(alert.alertId, alert);
  };
  for (const [position, event] of events.entries()) {
    try {
      const stored = await storeWithDetection(sql, hub, settings, {}, [event]);
      if (stored.inserted.has(0)) inserted.add(position);
      collect(stored.outcome);
    } catch (error) {
      if (!isDataError(error)) throw error;
      refused.set(position, `the database refused this event: ${(error as Error).message}`);
    }
  }
  const ignored: IgnoredField[] = [];
  try {
    collect((await storeWithDetection(sql, hub, settings, status, [])).outcome);
  } catch (error) {
    if (!isDataError(error)) throw error;
    ignored.push({ field: 'hub', reason: `the database refused the heartbeat: ${(error as Error).message}` });
    // The hub was still heard from.
    collect((await storeWithDetection(sql, hub, settings, {}, [])).outcome);
  }
  return { inserted, refused, outcome: { alerts: [...alerts.values()], cleared: [...cleared.values()] }, ignored };
}
