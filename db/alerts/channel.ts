/** PostgreSQL NOTIFY channel that wakes realtime nodes; sent inside the writing transaction, so only on commit. */
export const ALERTS_CHANNEL = 'carewatch_alerts';

/**
 * NOTIFY channel that wakes channel senders: sent (on commit) by a transaction that queued channel attempts, and only
 * then — an alert told on the dashboard alone costs the senders nothing. The payload is empty; a sender claims what
 * is due and reads when the rest will be.
 */
export const CHANNEL_ATTEMPTS_CHANNEL = 'carewatch_channel_attempts';

export type AlertChange =
  | 'created'
  | 'attached'
  | 'escalated'
  | 'acknowledged'
  | 'retriggered'
  | 'resolved'
  | 'updated';

/** A delivery just created, as the statement that created it returns it (and a notification carries it). */
export interface NewDeliveryRow {
  id: string;
  staffId: string;
  seq: number;
}

/** What a notification says. Realtime nodes re-read the database; the payload only says where to look. */
export interface AlertNotification {
  alertId: string;
  orgId: string;
  /** Whose profile shows the alert: the API's cache drops that profile on every change. */
  residentId: string;
  change: AlertChange;
  /**
   * The deliveries this change created, as [id, staffId, seq], when there were few enough to fit (null otherwise,
   * and for changes that create none): a realtime node claims them without looking them up first.
   */
  deliveries?: [id: string, staffId: string, seq: number][] | null;
}

/**
 * Channel on which a realtime node's sweep says which deliveries it just claimed and sent (recorded as its sends).
 * Other nodes hand those deliveries, if still unreceived, to their own connections of the same staff members,
 * without recording a send. A channel of its own, so that nothing listening for alert changes sees these.
 */
export const SENT_CHANNEL = 'carewatch_deliveries_sent';

export interface SentNotification {
  nodeId: string;
  deliveryIds: string[];
}
