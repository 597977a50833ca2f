import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { id, timestamps } from './_helpers';
import { alertSeverity } from './alert-severity';
import { alertDeliveries, alerts } from './alerts';
import { organisations } from './organisations';
import { staff } from './people';

/**
 * Channels a delivery reaches its person on besides the dashboard. The dashboard channel is the delivery row
 * itself (`alert_deliveries`): it is always on, and its WebSocket path writes nothing here.
 */
export const notificationChannel = pgEnum('notification_channel', ['push', 'webhook']);
export const channelAttemptState = pgEnum('channel_attempt_state', [
  'queued',
  'sent',
  'delivered',
  'failed',
  'cancelled',
]);

/** One browser or phone that accepts Web Push for a staff member (the browser's PushSubscription). */
export const pushSubscriptions = pgTable(
  'push_subscriptions',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    staffId: uuid('staff_id')
      .notNull()
      .references(() => staff.id, { onDelete: 'cascade' }),
    /** The push service URL; a browser's subscription is one endpoint, whoever registers it last owns it. */
    endpoint: text('endpoint').notNull(),
    /** The browser's P-256 public key and auth secret (RFC 8291), base64url. */
    p256dh: text('p256dh').notNull(),
    auth: text('auth').notNull(),
    userAgent: text('user_agent'),
    /** When the push service last accepted a message for it. */
    lastSuccessAt: timestamp('last_success_at', { withTimezone: true }),
    /**
     * When its push service answered 404/410 (the subscription expired or was replaced): nothing is sent to it any
     * more, but it is kept for a while (`push-subscriptions-purge`) so that the browser's `pushsubscriptionchange`,
     * which may reach us after that answer, can still move it to the new endpoint. Null: in use.
     */
    goneAt: timestamp('gone_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('push_subscriptions_endpoint_key').on(t.endpoint),
    index('push_subscriptions_staff_idx').on(t.staffId),
  ],
);

/**
 * An organisation's own integration (its SMS or voice gateway, a 119 relay). The signing secret is never stored:
 * it is derived from the server's INTEGRATION_SIGNING_KEY, the endpoint id and `secret_version` (rotating bumps the
 * version), so the database alone does not give it away.
 */
export const webhookEndpoints = pgTable(
  'webhook_endpoints',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    url: text('url').notNull(),
    active: boolean('active').notNull().default(true),
    secretVersion: integer('secret_version').notNull().default(1),
    ...timestamps,
  },
  (t) => [index('webhook_endpoints_org_idx').on(t.orgId)],
);

/** One channel of a notification rule: when, after the delivery is created, and on what condition. */
export interface ChannelRule {
  channel: 'push' | 'webhook';
  /** Seconds after the alert reaches this person's step (the delivery is created). */
  delaySeconds: number;
  /** Skip the attempt when the delivery was already received (on the dashboard or another channel) by then. */
  unlessReceived?: boolean;
  /** Webhook only: the endpoint to call; absent = every active endpoint of the organisation. */
  endpointId?: string;
}

/**
 * Which channels, after which delays, per organisation and severity (`staff_id` null) or for one staff member
 * (an override that replaces the organisation's rule for that severity). No rule: the product default
 * (`db/alerts/channels/default-rules.ts`).
 */
export const notificationRules = pgTable(
  'notification_rules',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    staffId: uuid('staff_id').references(() => staff.id, { onDelete: 'cascade' }),
    severity: alertSeverity('severity').notNull(),
    channels: jsonb('channels').$type<ChannelRule[]>().notNull(),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('notification_rules_org_severity_key').on(t.orgId, t.severity).where(sql`${t.staffId} is null`),
    uniqueIndex('notification_rules_staff_severity_key')
      .on(t.orgId, t.staffId, t.severity)
      .where(sql`${t.staffId} is not null`),
  ],
);

/**
 * One try at reaching a delivery's person on one channel and target (a push subscription or a webhook endpoint).
 * Created with the delivery, due at `due_at`; a node claims due attempts with SKIP LOCKED and a lease
 * (`lease_until`), so a killed node's claim is taken over once the lease runs out and two nodes never send the
 * same attempt at once.
 */
export const deliveryChannelAttempts = pgTable(
  'delivery_channel_attempts',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    alertId: uuid('alert_id')
      .notNull()
      .references(() => alerts.id, { onDelete: 'cascade' }),
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => alertDeliveries.id, { onDelete: 'cascade' }),
    staffId: uuid('staff_id')
      .notNull()
      .references(() => staff.id, { onDelete: 'cascade' }),
    channel: notificationChannel('channel').notNull(),
    subscriptionId: uuid('subscription_id').references(() => pushSubscriptions.id, { onDelete: 'set null' }),
    endpointId: uuid('endpoint_id').references(() => webhookEndpoints.id, { onDelete: 'set null' }),
    state: channelAttemptState('state').notNull().default('queued'),
    unlessReceived: boolean('unless_received').notNull().default(false),
    dueAt: timestamp('due_at', { withTimezone: true }).notNull().defaultNow(),
    /** Requests made so far (retries after 429/5xx/timeouts included). */
    tries: integer('tries').notNull().default(0),
    leaseUntil: timestamp('lease_until', { withTimezone: true }),
    claimedBy: text('claimed_by'),
    /** The provider's last HTTP status and a short reason (the response or the network error). */
    providerStatus: integer('provider_status'),
    detail: text('detail'),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    failedAt: timestamp('failed_at', { withTimezone: true }),
    cancelledAt: timestamp('cancelled_at', { withTimezone: true }),
    /** When the single-use action token (push Acknowledge) was spent. */
    actionTokenUsedAt: timestamp('action_token_used_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    index('delivery_channel_attempts_due_idx').on(t.dueAt).where(sql`${t.state} = 'queued'`),
    index('delivery_channel_attempts_alert_idx').on(t.alertId),
    index('delivery_channel_attempts_delivery_idx').on(t.deliveryId),
    // Removing a subscription (unsubscribe, a handed-over phone, the purge of gone ones) sets its attempts' reference
    // to null, and a subscription change moves its queued attempts: both look attempts up by subscription.
    index('delivery_channel_attempts_subscription_idx')
      .on(t.subscriptionId)
      .where(sql`${t.subscriptionId} is not null`),
    // A removed subscription or endpoint leaves its attempts (their history) with no target: null is allowed.
    check(
      'delivery_channel_attempts_target',
      sql`(${t.channel} = 'push' and ${t.endpointId} is null) or (${t.channel} = 'webhook' and ${t.subscriptionId} is null)`,
    ),
  ],
);

/** Every state change of a channel attempt, with the provider's answer. */
export const deliveryChannelAttemptHistory = pgTable(
  'delivery_channel_attempt_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    attemptId: uuid('attempt_id')
      .notNull()
      .references(() => deliveryChannelAttempts.id, { onDelete: 'cascade' }),
    fromState: channelAttemptState('from_state'),
    toState: channelAttemptState('to_state').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    nodeId: text('node_id'),
    providerStatus: integer('provider_status'),
    detail: text('detail'),
  },
  (t) => [index('delivery_channel_attempt_history_attempt_idx').on(t.attemptId, t.at)],
);

/** Callback ids seen inside the replay window: a callback is accepted once. Old rows are pruned by a job. */
export const webhookCallbackReceipts = pgTable(
  'webhook_callback_receipts',
  {
    endpointId: uuid('endpoint_id')
      .notNull()
      .references(() => webhookEndpoints.id, { onDelete: 'cascade' }),
    callbackId: text('callback_id').notNull(),
    receivedAt: timestamp('received_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.endpointId, t.callbackId] }),
    index('webhook_callback_receipts_at_idx').on(t.receivedAt),
  ],
);

export type PushSubscriptionRow = typeof pushSubscriptions.$inferSelect;
export type WebhookEndpoint = typeof webhookEndpoints.$inferSelect;
export type NotificationRule = typeof notificationRules.$inferSelect;
export type DeliveryChannelAttempt = typeof deliveryChannelAttempts.$inferSelect;
export type NotificationChannel = (typeof notificationChannel.enumValues)[number];
export type ChannelAttemptState = (typeof channelAttemptState.enumValues)[number];
