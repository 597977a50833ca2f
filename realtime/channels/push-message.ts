import { alertNotificationText } from '../../core/notify/alert-text';
import type { ClaimedAttempt } from '../../db/alerts/channels/claim-attempts';

/** What the service worker receives (decrypted): everything it needs to show, confirm and acknowledge the alert. */
export interface PushMessage {
  v: 1;
  type: 'alert' | 'alert.closed';
  alertId: string;
  deliveryId: string;
  attemptId: string;
  kind: string;
  severity: string;
  status: string;
  openedAt: string;
  lang: 'ko' | 'en';
  text: { title: string; body: string };
  resident: { name: string };
  token: string | null;
  receiptUrl: string;
  ackUrl: string;
  openUrl: string;
}

/** A push message must stay under the 4,096 bytes push services accept once encrypted; names are cut to fit. */
const MAX_NAME_LENGTH = 60;

export function pushMessage(
  attempt: ClaimedAttempt,
  input: { token: string; publicUrl: string; timeZone: string },
): PushMessage {
  const residentName = attempt.resident.name.slice(0, MAX_NAME_LENGTH);
  const language = attempt.staff.language;
  return {
    v: 1,
    type: 'alert',
    alertId: attempt.alertId,
    deliveryId: attempt.deliveryId,
    attemptId: attempt.id,
    kind: attempt.alert.kind,
    severity: attempt.alert.severity,
    status: attempt.alert.status,
    openedAt: new Date(attempt.alert.openedAt).toISOString(),
    lang: language,
    text: alertNotificationText(language, {
      kind: attempt.alert.kind,
      severity: attempt.alert.severity,
      status: attempt.alert.status,
      residentName,
      openedAt: new Date(attempt.alert.openedAt),
      timeZone: input.timeZone,
    }),
    resident: { name: residentName },
    token: input.token,
    receiptUrl: `${input.publicUrl}/v1/push/receipts`,
    ackUrl: `${input.publicUrl}/v1/push/acks`,
    openUrl: `${input.publicUrl}/?alert=${attempt.alertId}`,
  };
}

/**
 * The push `Topic` (RFC 8030 §5.4: at most 32 base64url characters): one per alert, so a push service holding an
 * undelivered message for a phone that is offline replaces it with the newer one instead of queueing both.
 */
export function pushTopic(alertId: string): string {
  return alertId.replaceAll('-', '');
}
