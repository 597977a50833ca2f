import * as v from 'valibot';
import type { AlertRecord } from '../../../db/alerts/snapshot';
import {
  alertKind,
  alertOutcome,
  alertSeverity,
  alertStatus,
  channelAttemptState,
  deliveryState,
} from '../../../db/schema';
import type { Assert, Documents } from '../../lib/openapi';
import { pageQueryFields, pageSchema } from '../../lib/pagination';
import { Timestamp, Uuid } from '../../lib/schemas';

export const ListQuery = v.object({
  ...pageQueryFields(['openedAt'] as const),
  order: v.optional(v.picklist(['asc', 'desc']), 'desc'),
  status: v.optional(v.picklist(alertStatus.enumValues)),
  severity: v.optional(v.picklist(alertSeverity.enumValues)),
  kind: v.optional(v.picklist(alertKind.enumValues)),
  residentId: v.optional(Uuid),
});

/** An alert as the API answers it. */
export const Item = v.pipe(
  v.object({
    id: Uuid,
    orgId: Uuid,
    residentId: Uuid,
    hubId: v.nullable(Uuid),
    deviceId: v.nullable(Uuid),
    kind: v.picklist(alertKind.enumValues),
    severity: v.picklist(alertSeverity.enumValues),
    status: v.picklist(alertStatus.enumValues),
    title: v.string(),
    details: v.record(v.string(), v.unknown()),
    eventCount: v.number(),
    lastEventAt: Timestamp,
    openedAt: Timestamp,
    acknowledgedAt: v.nullable(Timestamp),
    acknowledgedBy: v.nullable(Uuid),
    resolvedAt: v.nullable(Timestamp),
    resolvedBy: v.nullable(Uuid),
    resolutionNote: v.nullable(v.string()),
    resolutionOutcome: v.pipe(
      v.nullable(v.picklist(alertOutcome.enumValues)),
      v.description('What the person who resolved it found (the handling record); null: resolved by the system'),
    ),
    escalationLevel: v.number(),
    nextEscalationAt: v.nullable(Timestamp),
  }),
  v.metadata({ ref: 'Alert' }),
);

/** Compile-time only: the `Alert` schema documents the alert record of db/alerts/snapshot.ts, field for field. */
export type AlertSchemaDocumentsAlertRecord = Assert<Documents<typeof Item, AlertRecord>>;

export const Page = pageSchema(Item, 'AlertPage');

const ChannelAttempt = v.pipe(
  v.object({
    id: Uuid,
    channel: v.picklist(['dashboard', 'push', 'webhook']),
    state: v.picklist(channelAttemptState.enumValues),
    target: v.pipe(v.nullable(v.string()), v.description('The device or integration endpoint; null: the dashboard')),
    dueAt: v.nullable(Timestamp),
    updatedAt: Timestamp,
    tries: v.number(),
    providerStatus: v.pipe(v.nullable(v.number()), v.description("The push service's or integration's HTTP status")),
    detail: v.nullable(v.string()),
  }),
  v.metadata({ ref: 'ChannelAttempt' }),
);

const Delivery = v.pipe(
  v.object({
    deliveryId: Uuid,
    staffId: Uuid,
    staffName: v.string(),
    state: v.picklist(deliveryState.enumValues),
    escalationLevel: v.number(),
    retrigger: v.number(),
    createdAt: Timestamp,
    deliveredAt: v.nullable(Timestamp),
    acknowledgedAt: v.nullable(Timestamp),
    attempts: v.array(ChannelAttempt),
  }),
  v.metadata({ ref: 'AlertDelivery' }),
);

export const AttemptsSchema = v.pipe(
  v.object({ alertId: Uuid, deliveries: v.array(Delivery) }),
  v.metadata({ ref: 'AlertAttempts' }),
);

/** A note's text: what was done, 1–2,000 characters. */
const NoteText = v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(2000));

export const AckBody = v.pipe(v.strictObject({}), v.description('No fields: the caller acknowledges'));

export const ResolveBody = v.strictObject({
  outcome: v.pipe(
    v.picklist(alertOutcome.enumValues),
    v.description(
      'false_alarm 오작동, device_fault 기기 고장, resident_ok_by_phone 전화로 안부 확인, visited 방문 확인, ' +
        'ambulance_119 119 출동, hospitalised 입원, other 기타',
    ),
  ),
  note: v.optional(v.pipe(v.string(), v.maxLength(2000)), ''),
});

export const NoteBody = v.strictObject({ body: NoteText });

export const NoteSchema = v.pipe(
  v.object({
    id: Uuid,
    alertId: Uuid,
    staffId: v.nullable(Uuid),
    staffName: v.nullable(v.string()),
    body: v.string(),
    createdAt: Timestamp,
  }),
  v.metadata({ ref: 'AlertNote' }),
);

const TimelineEntry = v.pipe(
  v.object({
    at: Timestamp,
    event: v.pipe(
      v.string(),
      v.description(
        'raised, told (a person told at a step), delivery <state>, push <state>, webhook <state>, escalated, ' +
          'retriggered, note, resolved',
      ),
    ),
    staffId: v.nullable(Uuid),
    staffName: v.nullable(v.string()),
    deliveryId: v.nullable(Uuid),
    escalationLevel: v.nullable(v.number()),
    detail: v.nullable(v.string()),
  }),
  v.metadata({ ref: 'AlertTimelineEntry' }),
);

export const HistorySchema = v.pipe(
  v.object({
    alert: Item,
    handling: v.nullable(
      v.object({
        outcome: v.nullable(v.picklist(alertOutcome.enumValues)),
        note: v.nullable(v.string()),
        resolvedBy: v.nullable(Uuid),
        resolvedByName: v.nullable(v.string()),
        resolvedAt: Timestamp,
      }),
    ),
    deliveries: v.array(Delivery),
    timeline: v.array(TimelineEntry),
  }),
  v.metadata({ ref: 'AlertHistory' }),
);
