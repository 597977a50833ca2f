import type { ClaimedAttempt } from '../../db/alerts/channels/claim-attempts';
import { type AlertNotificationText, alertNotificationText } from './alert-text';

/**
 * What an integration receives (documented as the OpenAPI `alertNotification` webhook): the alert, the resident
 * only as far as a message to a worker needs (name), the staff member to reach (name, phone, language), a ready
 * text in that language, and where to report back.
 */
export interface WebhookMessage {
  type: 'alert.notification';
  attemptId: string;
  try: number;
  sentAt: string;
  alert: {
    id: string;
    kind: string;
    severity: string;
    status: string;
    title: string;
    openedAt: string;
    escalationLevel: number;
  };
  resident: { id: string; name: string };
  staff: { id: string; name: string; phone: string | null; language: 'ko' | 'en' };
  text: AlertNotificationText;
  callbackUrl: string;
}

export function webhookMessage(
  attempt: ClaimedAttempt,
  input: { publicUrl: string; timeZone: string; now?: Date },
): WebhookMessage {
  const openedAt = new Date(attempt.alert.openedAt);
  return {
    type: 'alert.notification',
    attemptId: attempt.id,
    try: attempt.tries,
    sentAt: (input.now ?? new Date()).toISOString(),
    alert: {
      id: attempt.alertId,
      kind: attempt.alert.kind,
      severity: attempt.alert.severity,
      status: attempt.alert.status,
      title: attempt.alert.title,
      openedAt: openedAt.toISOString(),
      escalationLevel: attempt.alert.escalationLevel,
    },
    resident: attempt.resident,
    staff: attempt.staff,
    text: alertNotificationText(attempt.staff.language, {
      kind: attempt.alert.kind,
      severity: attempt.alert.severity,
      status: attempt.alert.status,
      residentName: attempt.resident.name,
      openedAt,
      timeZone: input.timeZone,
    }),
    callbackUrl: `${input.publicUrl}/v1/integrations/callbacks`,
  };
}
