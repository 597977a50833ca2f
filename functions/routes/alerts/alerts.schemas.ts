import * as v from 'valibot';
import type { AlertRecord } from '../../../db/alerts/snapshot';
import { alertKind, alertSeverity, alertStatus, channelAttemptState, deliveryState } from '../../../db/schema';
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

export const AttemptsSchema = v.pipe(
  v.object({
    alertId: Uuid,
    deliveries: v.array(
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
    ),
  }),
  v.metadata({ ref: 'AlertAttempts' }),
);
