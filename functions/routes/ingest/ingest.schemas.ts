import * as v from 'valibot';
import { alertKind, alertSeverity } from '../../../db/schema/alerts';
import { ingestLimits } from '../../ingest/limits';
import { HubStatus, SensorEvent } from '../../ingest/validate-batch';

/**
 * The batch as documented. The route checks the envelope and then each event on its own (a bad event is rejected
 * in `results`, the rest are stored), so these schemas describe the body rather than gate it as a whole.
 */
export const IngestBatchSchema = v.pipe(
  v.object({
    hub: v.optional(HubStatus),
    events: v.pipe(v.array(SensorEvent), v.maxLength(ingestLimits.maxEvents)),
  }),
  v.metadata({
    ref: 'IngestBatch',
    example: {
      hub: { firmware: '1.4.2', batteryPct: 88, powerState: 'mains' },
      events: [
        {
          eventId: 'hub-7-000123',
          deviceId: '3f0c2a44-5b6d-4e7f-8a9b-0c1d2e3f4a5b',
          kind: 'emergency_button',
          time: '2026-11-25T09:30:00.000Z',
        },
      ],
    },
  }),
);

const EventResultSchema = v.object({
  eventId: v.nullable(v.string()),
  status: v.picklist(['accepted', 'duplicate', 'rejected']),
  reason: v.optional(v.pipe(v.string(), v.description('Why the event was rejected'))),
});

export const IngestResponseSchema = v.pipe(
  v.object({
    accepted: v.number(),
    duplicates: v.number(),
    rejected: v.number(),
    results: v.pipe(v.array(EventResultSchema), v.description('`results[i]` answers `events[i]`')),
    alerts: v.array(
      v.object({
        alertId: v.string(),
        kind: v.picklist(alertKind.enumValues),
        severity: v.picklist(alertSeverity.enumValues),
        created: v.pipe(v.boolean(), v.description('False when the events attached to an already open alert')),
      }),
    ),
    cleared: v.array(
      v.object({
        alertId: v.string(),
        kind: v.picklist(alertKind.enumValues),
        resolved: v.pipe(v.boolean(), v.description('True when closed by the system; false when only marked cleared')),
      }),
    ),
    ignored: v.optional(
      v.pipe(
        v.array(v.object({ field: v.string(), reason: v.string() })),
        v.description('Heartbeat (`hub`) fields that were not applied, and why; the events are unaffected'),
      ),
    ),
  }),
  v.metadata({ ref: 'IngestResult' }),
);
