import { type AlertStatus, alertStatus, type DeliveryState, deliveryState } from '../schema/alerts';
import type { ChannelAttemptState } from '../schema/notifications';

/**
 * THE alert state machine, as data: every way an alert or one of its deliveries may change state, and who may
 * cause it. The functions that perform a transition check it here before they change anything (or carry the same
 * condition in their SQL, where a set-based statement needs it literal for its index), each writes its history
 * (the delivery history, `alert_retriggers`, the alert's own acknowledged/resolved columns) and its NOTIFY in the
 * transaction of the change; `state-machine.test.ts` drives every transition missing from these tables through
 * the real functions and checks each is refused. The README's diagram is generated from them
 * (`npm run docs:alert-states`).
 */

/** Who causes a transition. */
export type Cause =
  /** Ingest rules and the silence job, on what a hub reports or fails to report. */
  | 'system'
  /** The escalation sweep, when an alert's step wait or acknowledgement timeout runs out. */
  | 'escalation sweep'
  /** A realtime node sending, re-sending or giving up on deliveries. */
  | 'realtime node'
  /** A staff member who was told of the alert (holds one of its deliveries), whatever their role. */
  | 'told staff'
  | 'manager'
  | 'admin';

export type AlertEvent =
  | 'raise'
  | 'attach'
  | 'clear'
  | 'escalate'
  | 'acknowledge'
  | 'retrigger'
  | 'resolve'
  | 'resolve by system';

export interface AlertTransition {
  event: AlertEvent;
  /** null: no unresolved alert holds the dedup key (a resolved alert frees its key). */
  from: AlertStatus | null;
  to: AlertStatus;
  by: readonly Cause[];
  /** The function that performs it (for readers and the generated diagram's legend). */
  via: string;
}

export const alertTransitions = [
  { event: 'raise', from: null, to: 'open', by: ['system'], via: 'raiseAlert' },
  { event: 'attach', from: 'open', to: 'open', by: ['system'], via: 'raiseAlert' },
  { event: 'attach', from: 'acknowledged', to: 'acknowledged', by: ['system'], via: 'raiseAlert' },
  { event: 'clear', from: 'open', to: 'open', by: ['system'], via: 'clearAlert' },
  { event: 'clear', from: 'acknowledged', to: 'acknowledged', by: ['system'], via: 'clearAlert' },
  { event: 'escalate', from: 'open', to: 'open', by: ['escalation sweep'], via: 'escalateAlert' },
  { event: 'acknowledge', from: 'open', to: 'acknowledged', by: ['told staff'], via: 'acknowledgeDelivery' },
  {
    event: 'retrigger',
    from: 'acknowledged',
    to: 'open',
    by: ['system', 'escalation sweep'],
    via: 'retriggerAlert',
  },
  { event: 'resolve', from: 'open', to: 'resolved', by: ['told staff', 'manager', 'admin'], via: 'resolveAlert' },
  {
    event: 'resolve',
    from: 'acknowledged',
    to: 'resolved',
    by: ['told staff', 'manager', 'admin'],
    via: 'resolveAlert',
  },
  { event: 'resolve by system', from: 'open', to: 'resolved', by: ['system'], via: 'resolveBySystem' },
  { event: 'resolve by system', from: 'acknowledged', to: 'resolved', by: ['system'], via: 'resolveBySystem' },
] as const satisfies readonly AlertTransition[];

export const alertStatuses: readonly AlertStatus[] = alertStatus.enumValues;
export const alertEvents: readonly AlertEvent[] = [...new Set(alertTransitions.map((t) => t.event))];

/** The transition `event` makes from `from`, or undefined when the table does not allow it. */
export function alertTransition(event: AlertEvent, from: AlertStatus | null): AlertTransition | undefined {
  return alertTransitions.find((t) => t.event === event && t.from === from);
}

/** The statuses `event` may start from (for a statement that checks it in SQL). */
export function fromStatuses(event: AlertEvent): AlertStatus[] {
  return alertTransitions.flatMap((t) => (t.event === event && t.from !== null ? [t.from] : []));
}

type TransitionRow = (typeof alertTransitions)[number];

/** The events the escalation sweep may cause. */
export type SweepEvent = TransitionRow extends infer T
  ? T extends { event: infer E; by: readonly (infer C)[] }
    ? 'escalation sweep' extends C
      ? E
      : never
    : never
  : never;

/** What the escalation sweep does to a due alert in this status (escalate an open one, re-trigger an acknowledged). */
export function sweepTransition(from: AlertStatus): (AlertTransition & { event: SweepEvent }) | undefined {
  return alertTransitions.find(
    (t): t is Extract<TransitionRow, { event: SweepEvent }> =>
      t.from === from && (t.by as readonly Cause[]).includes('escalation sweep'),
  );
}

/** A transition the table does not allow was attempted; nothing was changed. */
export class ForbiddenTransition extends Error {
  constructor(
    readonly event: AlertEvent | DeliveryEvent,
    readonly from: string | null,
  ) {
    super(`alert state machine: ${event} is not allowed from ${from ?? 'no alert'}`);
    this.name = 'ForbiddenTransition';
  }
}

/** Throws ForbiddenTransition unless the table allows `event` from `from`; returns the transition. */
export function allowAlertTransition(event: AlertEvent, from: AlertStatus | null): AlertTransition {
  const transition = alertTransition(event, from);
  if (!transition) throw new ForbiddenTransition(event, from);
  return transition;
}

export type DeliveryEvent = 'create' | 'send' | 'receipt' | 'acknowledge' | 'supersede' | 'fail';

export interface DeliveryTransition {
  event: DeliveryEvent;
  from: readonly (DeliveryState | null)[];
  to: DeliveryState;
  by: readonly Cause[];
  via: string;
}

/** The states a delivery is still waiting in: sent or re-sent until a receipt, an acknowledgement or a supersede. */
export const outstandingDeliveryStates = ['pending', 'sent', 'delivered'] as const satisfies readonly DeliveryState[];

export const deliveryTransitions = [
  { event: 'create', from: [null], to: 'pending', by: ['system', 'escalation sweep'], via: 'createDeliveries' },
  { event: 'send', from: ['pending', 'sent'], to: 'sent', by: ['realtime node'], via: 'claimDeliveries' },
  { event: 'receipt', from: ['pending', 'sent'], to: 'delivered', by: ['told staff'], via: 'markDeliveredMany' },
  // The acknowledging person's own delivery, whatever its state (an alert re-triggered after an acknowledgement
  // may be acknowledged again through the earlier delivery); the others are superseded.
  {
    event: 'acknowledge',
    from: deliveryState.enumValues,
    to: 'acknowledged',
    by: ['told staff'],
    via: 'acknowledgeDelivery',
  },
  {
    event: 'supersede',
    from: outstandingDeliveryStates,
    to: 'superseded',
    by: ['system', 'told staff', 'manager', 'admin'],
    via: 'supersedeOutstanding',
  },
  { event: 'fail', from: ['sent'], to: 'failed', by: ['realtime node'], via: 'failExhaustedDeliveries' },
] as const satisfies readonly DeliveryTransition[];

export const deliveryStates: readonly DeliveryState[] = deliveryState.enumValues;

export type ChannelAttemptEvent = 'queue' | 'retry' | 'send' | 'receipt' | 'fail' | 'cancel';

export interface ChannelAttemptTransition {
  event: ChannelAttemptEvent;
  from: readonly (ChannelAttemptState | null)[];
  to: ChannelAttemptState;
  by: readonly (Cause | 'provider' | 'integration')[];
  via: string;
}

/**
 * A push or webhook attempt of a delivery (`delivery_channel_attempts`): every change it may make, each written
 * with a row in `delivery_channel_attempt_history`. `channel-attempts.test.ts` checks every history row the tests
 * leave behind against this table.
 */
export const channelAttemptTransitions = [
  {
    event: 'queue',
    from: [null],
    to: 'queued',
    by: ['system', 'escalation sweep', 'told staff', 'realtime node'],
    via: 'createDeliveries, resendLostPushes',
  },
  { event: 'retry', from: ['queued'], to: 'queued', by: ['realtime node'], via: 'recordAttemptOutcome' },
  { event: 'send', from: ['queued'], to: 'sent', by: ['realtime node'], via: 'recordAttemptOutcome' },
  // A receipt can overtake the sender's record of its own request: a push is shown within milliseconds.
  {
    event: 'receipt',
    from: ['queued', 'sent'],
    to: 'delivered',
    by: ['told staff', 'integration'],
    via: 'markAttemptDelivered',
  },
  {
    event: 'fail',
    from: ['queued', 'sent'],
    to: 'failed',
    by: ['realtime node', 'provider', 'integration'],
    via: 'recordAttemptOutcome, recordAttemptFailedByProvider',
  },
  {
    event: 'cancel',
    from: ['queued'],
    to: 'cancelled',
    by: ['told staff', 'system', 'manager', 'admin', 'realtime node'],
    via: 'cancelQueuedAttemptsCtes, claimDueAttempts',
  },
] as const satisfies readonly ChannelAttemptTransition[];

/** Whether the table allows an attempt to go from `from` to `to`. */
export function channelAttemptMayMove(from: ChannelAttemptState | null, to: ChannelAttemptState): boolean {
  return channelAttemptTransitions.some(
    (t) => t.to === to && (t.from as readonly (ChannelAttemptState | null)[]).includes(from),
  );
}
