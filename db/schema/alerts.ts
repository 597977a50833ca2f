import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  check,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { id, timestamps } from './_helpers';
import { alertSeverity } from './alert-severity';

export { type AlertSeverity, alertSeverity } from './alert-severity';

import { devices, hubs } from './devices';
import { organisations } from './organisations';
import { residents, staff } from './people';

export const alertStatus = pgEnum('alert_status', ['open', 'acknowledged', 'resolved']);
export const alertKind = pgEnum('alert_kind', [
  'sos',
  'call_119',
  'fall',
  'fire',
  'gas',
  'heart_rate',
  'breathing',
  'temperature',
  'door_at_night',
  'low_battery',
  'power_cut',
  'hub_no_data',
  'hub_offline',
  'no_activity',
  'sensor_link_lost',
  'device_inspection',
]);

/** What the person who closed an alert found (the handling record; reports count these). */
export const alertOutcome = pgEnum('alert_outcome', [
  'false_alarm',
  'device_fault',
  'resident_ok_by_phone',
  'visited',
  'ambulance_119',
  'hospitalised',
  'other',
]);

export const alerts = pgTable(
  'alerts',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    residentId: uuid('resident_id')
      .notNull()
      .references(() => residents.id, { onDelete: 'cascade' }),
    hubId: uuid('hub_id').references(() => hubs.id, { onDelete: 'set null' }),
    deviceId: uuid('device_id').references(() => devices.id, { onDelete: 'set null' }),
    kind: alertKind('kind').notNull(),
    severity: alertSeverity('severity').notNull(),
    status: alertStatus('status').notNull().default('open'),
    /** e.g. "<resident>:<kind>"; at most one unresolved alert per key (partial unique index below). */
    dedupKey: text('dedup_key').notNull(),
    title: text('title').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    sourceEventId: text('source_event_id'),
    sourceEventTime: timestamp('source_event_time', { withTimezone: true }),
    /** Matching events attached while open (dedup) and when the last one arrived. */
    eventCount: integer('event_count').notNull().default(1),
    lastEventAt: timestamp('last_event_at', { withTimezone: true }).notNull().defaultNow(),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull().defaultNow(),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
    acknowledgedBy: uuid('acknowledged_by').references(() => staff.id, { onDelete: 'set null' }),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    resolvedBy: uuid('resolved_by').references(() => staff.id, { onDelete: 'set null' }),
    resolutionNote: text('resolution_note'),
    /** The handling record's outcome; null for an alert resolved by the system or before outcomes were recorded. */
    resolutionOutcome: alertOutcome('resolution_outcome'),
    /**
     * Current step in the org's escalation policy and when the escalation sweep next acts: while open, when the
     * next step is due; while acknowledged, when the acknowledgement times out and the alert re-triggers (null:
     * never, or ladder exhausted).
     */
    escalationLevel: integer('escalation_level').notNull().default(0),
    nextEscalationAt: timestamp('next_escalation_at', { withTimezone: true }),
    /** Times this alert went from acknowledged back to open (see `alert_retriggers`). */
    retriggerCount: integer('retrigger_count').notNull().default(0),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('alerts_open_dedup_key').on(t.orgId, t.dedupKey).where(sql`${t.status} <> 'resolved'`),
    index('alerts_org_status_opened_idx').on(t.orgId, t.status, t.openedAt.desc()),
    index('alerts_resident_opened_idx').on(t.residentId, t.openedAt.desc()),
    index('alerts_next_escalation_idx').on(t.nextEscalationAt).where(sql`${t.status} <> 'resolved'`),
  ],
);

export const deliveryState = pgEnum('delivery_state', [
  'pending',
  'sent',
  'delivered',
  'acknowledged',
  'failed',
  'superseded',
]);

/** One attempt to tell one staff member about one alert (after GoAlert's outgoing_messages). */
export const alertDeliveries = pgTable(
  'alert_deliveries',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    alertId: uuid('alert_id')
      .notNull()
      .references(() => alerts.id, { onDelete: 'cascade' }),
    staffId: uuid('staff_id')
      .notNull()
      .references(() => staff.id, { onDelete: 'cascade' }),
    /** Escalation step that created this delivery. */
    escalationLevel: integer('escalation_level').notNull().default(0),
    /** The alert's `retrigger_count` when this delivery was created: 0 for the alert as first raised. */
    retrigger: integer('retrigger').notNull().default(0),
    attempt: integer('attempt').notNull().default(1),
    /** Per-staff, strictly increasing; dashboards resume from the last one they saw. */
    seq: bigint('seq', { mode: 'number' }).notNull(),
    state: deliveryState('state').notNull().default('pending'),
    pendingAt: timestamp('pending_at', { withTimezone: true }).notNull().defaultNow(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
    failedAt: timestamp('failed_at', { withTimezone: true }),
    supersededAt: timestamp('superseded_at', { withTimezone: true }),
    /** Times sent so far and when an unreceived delivery is due to be re-sent. */
    sendCount: integer('send_count').notNull().default(0),
    nextSendAt: timestamp('next_send_at', { withTimezone: true }),
    lastError: text('last_error'),
  },
  (t) => [
    uniqueIndex('alert_deliveries_staff_seq_key').on(t.staffId, t.seq),
    uniqueIndex('alert_deliveries_alert_staff_level_key').on(t.alertId, t.staffId, t.escalationLevel, t.retrigger),
    index('alert_deliveries_alert_idx').on(t.alertId),
    index('alert_deliveries_outstanding_idx').on(t.nextSendAt).where(sql`${t.state} in ('pending', 'sent')`),
  ],
);

/** Every state change of a delivery, with when and which node made it. */
export const alertDeliveryHistory = pgTable(
  'alert_delivery_history',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    deliveryId: uuid('delivery_id')
      .notNull()
      .references(() => alertDeliveries.id, { onDelete: 'cascade' }),
    fromState: deliveryState('from_state'),
    toState: deliveryState('to_state').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    nodeId: text('node_id'),
    detail: text('detail'),
  },
  (t) => [index('alert_delivery_history_delivery_idx').on(t.deliveryId, t.at)],
);

export const retriggerCause = pgEnum('alert_retrigger_cause', ['new_event', 'ack_timeout']);

/**
 * Every time an acknowledged, unresolved alert went back to `open`: what caused it, and the acknowledgement it
 * replaced (the alert row's `acknowledged_at/by` are cleared; the earlier acknowledgement stays here and on the
 * acknowledged delivery).
 */
export const alertRetriggers = pgTable(
  'alert_retriggers',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    alertId: uuid('alert_id')
      .notNull()
      .references(() => alerts.id, { onDelete: 'cascade' }),
    /** 1 for the alert's first re-trigger, 2 for the second, …: the `retrigger` of the deliveries it created. */
    retrigger: integer('retrigger').notNull(),
    cause: retriggerCause('cause').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
    acknowledgedBy: uuid('acknowledged_by').references(() => staff.id, { onDelete: 'set null' }),
    /** The step whose staff were told again. */
    escalationLevel: integer('escalation_level').notNull(),
    /** The event that re-triggered it (`new_event`). */
    sourceEventId: text('source_event_id'),
    nodeId: text('node_id'),
  },
  (t) => [uniqueIndex('alert_retriggers_alert_retrigger_key').on(t.alertId, t.retrigger)],
);

/**
 * One escalation step: who is told, and how long to wait for an acknowledgement before the next step.
 * `assigned` walks the resident's assignments by escalation order (`order` picks one position, absent = all).
 */
export type EscalationStep =
  | { notify: 'assigned'; order?: number; waitSeconds: number }
  | { notify: 'managers'; waitSeconds: number }
  | { notify: 'admins'; waitSeconds: number }
  /** Whoever is on call for the team when the step runs (`db/on-call`). */
  | { notify: 'on_call'; teamId: string; waitSeconds: number };

/** Per-organisation, per-severity policy: data, not code. */
export const escalationPolicies = pgTable(
  'escalation_policies',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    severity: alertSeverity('severity').notNull(),
    steps: jsonb('steps').$type<EscalationStep[]>().notNull(),
    /** How many times the whole ladder is walked before escalation gives up (the alert stays open). */
    repeat: integer('repeat').notNull().default(2),
    ...timestamps,
  },
  (t) => [uniqueIndex('escalation_policies_org_severity_key').on(t.orgId, t.severity)],
);

/** The timeline of what was done about an alert (calls made, guardian reached, 119 called), newest last. */
export const alertNotes = pgTable(
  'alert_notes',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    alertId: uuid('alert_id')
      .notNull()
      .references(() => alerts.id, { onDelete: 'cascade' }),
    staffId: uuid('staff_id').references(() => staff.id, { onDelete: 'set null' }),
    body: text('body').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('alert_notes_alert_idx').on(t.alertId, t.createdAt),
    check('alert_notes_body_length', sql`char_length(${t.body}) between 1 and 2000`),
  ],
);

export type Alert = typeof alerts.$inferSelect;
export type NewAlert = typeof alerts.$inferInsert;
export type AlertDelivery = typeof alertDeliveries.$inferSelect;
export type NewAlertDelivery = typeof alertDeliveries.$inferInsert;
export type EscalationPolicy = typeof escalationPolicies.$inferSelect;
export type AlertKind = (typeof alertKind.enumValues)[number];
export type AlertStatus = (typeof alertStatus.enumValues)[number];
export type RetriggerCause = (typeof retriggerCause.enumValues)[number];
export type AlertOutcome = (typeof alertOutcome.enumValues)[number];
export type DeliveryState = (typeof deliveryState.enumValues)[number];
