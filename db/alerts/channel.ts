/** PostgreSQL NOTIFY channel that wakes realtime nodes; sent inside the writing transaction, so only on commit. */
export const ALERTS_CHANNEL = 'carewatch_alerts';

export type AlertChange = 'created' | 'attached' | 'escalated' | 'acknowledged' | 'resolved' | 'updated';

/** What a notification says. Realtime nodes re-read the database; the payload only says where to look. */
export interface AlertNotification {
  alertId: string;
  orgId: string;
  /** Whose profile shows the alert: the API's cache drops that profile on every change. */
  residentId: string;
  change: AlertChange;
}
