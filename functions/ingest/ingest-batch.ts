import type postgres from 'postgres';
import type { ClearedAlert } from '../../db/alerts/clear-alert';
import { lockResidentAlerts } from '../../db/alerts/lock-resident-alerts';
import { type AlertOutcome, type DetectionOutcome, detect, rulesMayAct, selfClearingKeys } from './detect';
import type { HubContext } from './hub-auth';
import { eventRules } from './rules';
import { detectionSettings } from './settings';
import { storeBatch, storeRoutineBatch } from './store-events';
import { type EventResult, validateBatch } from './validate-batch';

/** The ingest response body (README "Sensor ingest"). `results[i]` answers the request's `events[i]`. */
export interface IngestResponse {
  accepted: number;
  duplicates: number;
  rejected: number;
  results: EventResult[];
  alerts: AlertOutcome[];
  /** Alerts this batch cleared (a cancel marks them) or resolved (the condition ended by itself). */
  cleared: ClearedAlert[];
}

// Deadlocks and serialisation failures are safe to retry: the transaction left nothing behind.
const RETRYABLE = new Set(['40P01', '40001']);
const ATTEMPTS = 3;

export interface IngestOutcome {
  response: IngestResponse;
  /** The batch changed what the resident's profile shows (an alert opened/joined/cleared, presence moved). */
  changesProfile: boolean;
}

/**
 * One batch: events, hub/resident/device state and self-clearing alerts in one statement; when a rule may act,
 * that statement and the rules (alerts, deliveries, NOTIFYs) share one transaction and commit together or not at all.
 */
export async function ingestBatch(
  sql: postgres.Sql,
  hub: HubContext,
  body: unknown,
  now: Date,
): Promise<IngestOutcome> {
  const batch = validateBatch(body, hub.devices, now);
  const settings = detectionSettings(hub.orgSettings, hub.thresholds);
  const selfClearing = {
    dedupKeys: selfClearingKeys(hub, batch.hub, batch.events),
    note: 'Cleared: the hub reports again',
  };
  for (let attempt = 1; ; attempt++) {
    try {
      let inserted: Set<number>;
      let outcome: DetectionOutcome;
      if (!rulesMayAct(hub, settings, batch.hub, batch.events)) {
        // Routine batch: one statement, atomic on its own, no transaction round trips.
        const stored = await storeRoutineBatch(sql, hub, batch.hub, batch.events, selfClearing);
        inserted = stored.inserted;
        outcome = { alerts: [], cleared: stored.resolved };
      } else {
        ({ inserted, outcome } = await sql.begin(async (tx) => {
          if (hub.residentId) await lockResidentAlerts(tx, { orgId: hub.orgId, residentId: hub.residentId });
          const stored = await storeBatch(tx, hub, batch.hub, batch.events, selfClearing);
          const accepted = batch.events.filter((_, position) => stored.inserted.has(position));
          accepted.sort((a, b) => a.time.getTime() - b.time.getTime());
          const detected = await detect(tx, hub, settings, batch.hub, accepted);
          return {
            inserted: stored.inserted,
            outcome: { ...detected, cleared: [...stored.resolved, ...detected.cleared] },
          };
        }));
      }
      const results = batch.results.slice();
      batch.events.forEach((event, position) => {
        if (!inserted.has(position)) results[event.index] = { eventId: event.eventId, status: 'duplicate' };
      });
      const response: IngestResponse = {
        accepted: results.filter((result) => result.status === 'accepted').length,
        duplicates: results.filter((result) => result.status === 'duplicate').length,
        rejected: results.filter((result) => result.status === 'rejected').length,
        results,
        alerts: outcome.alerts,
        cleared: outcome.cleared,
      };
      const presenceMoved = batch.events.some((event) => eventRules[event.kind].presence !== undefined);
      return {
        response,
        changesProfile: outcome.alerts.length > 0 || outcome.cleared.length > 0 || presenceMoved,
      };
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= ATTEMPTS || !code || !RETRYABLE.has(code)) throw error;
    }
  }
}
