import type postgres from 'postgres';
import type { ClearedAlert } from '../../db/alerts/clear-alert';
import { type AlertOutcome, detect } from './detect';
import type { HubContext } from './hub-auth';
import { detectionSettings } from './settings';
import { insertEvents, recordHubState } from './store-events';
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

/**
 * One batch, one transaction: events (one statement), hub/resident/device state (one statement), then the rules,
 * whose alerts, deliveries and NOTIFYs commit with the events or not at all.
 */
export async function ingestBatch(
  sql: postgres.Sql,
  hub: HubContext,
  body: unknown,
  now: Date,
): Promise<IngestResponse> {
  const batch = validateBatch(body, hub.devices, now);
  const settings = detectionSettings(hub.orgSettings, hub.thresholds);
  for (let attempt = 1; ; attempt++) {
    try {
      const { inserted, outcome } = await sql.begin(async (tx) => {
        const inserted = await insertEvents(tx, hub, batch.events);
        const accepted = batch.events.filter((_, position) => inserted.has(position));
        accepted.sort((a, b) => a.time.getTime() - b.time.getTime());
        await recordHubState(tx, hub, batch.hub, accepted);
        const outcome = await detect(tx, hub, settings, batch.hub, accepted);
        return { inserted, outcome };
      });
      const results = batch.results.slice();
      batch.events.forEach((event, position) => {
        if (!inserted.has(position)) results[event.index] = { eventId: event.eventId, status: 'duplicate' };
      });
      return {
        accepted: results.filter((result) => result.status === 'accepted').length,
        duplicates: results.filter((result) => result.status === 'duplicate').length,
        rejected: results.filter((result) => result.status === 'rejected').length,
        results,
        alerts: outcome.alerts,
        cleared: outcome.cleared,
      };
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= ATTEMPTS || !code || !RETRYABLE.has(code)) throw error;
    }
  }
}
