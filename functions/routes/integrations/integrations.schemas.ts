import * as v from 'valibot';
import type { WebhookMessage } from '../../../core/notify/webhook-message';
import { staffLanguage } from '../../../db/schema';
import type { Assert, Documents } from '../../lib/openapi';
import { alertSummaryFields, StorableText, Timestamp, Uuid } from '../../lib/schemas';

/** What an integration reports about one call it received (documented as the callback operation's body). */
export const CallbackBody = v.pipe(
  v.strictObject({
    attemptId: v.pipe(Uuid, v.description('The `attemptId` of the call being reported on')),
    status: v.pipe(
      v.picklist(['delivered', 'failed', 'acknowledged']),
      v.description(
        '`delivered`: the person got the message (SMS delivered, call answered); `failed`: they could not be ' +
          'reached; `acknowledged`: they acknowledged the alert (e.g. replied "1"), exactly as on the dashboard',
      ),
    ),
    detail: v.optional(v.pipe(StorableText, v.maxLength(500))),
  }),
  v.metadata({
    ref: 'IntegrationCallback',
    example: { attemptId: '5b0f3f4e-8d0c-4f7e-9a59-1b0c2d3e4f50', status: 'acknowledged', detail: 'SMS reply "1"' },
  }),
);

export const CallbackAnswerSchema = v.pipe(
  v.object({
    outcome: v.pipe(
      v.picklist(['delivered', 'failed', 'acknowledged', 'already']),
      v.description('`already`: nothing changed (the delivery was received, or the alert acknowledged, before)'),
    ),
  }),
  v.metadata({ ref: 'IntegrationCallbackAnswer' }),
);

/** What CareWatch POSTs to an integration's endpoint (the OpenAPI document's `webhooks.alertNotification`). */
export const AlertNotificationSchema = v.pipe(
  v.object({
    type: v.literal('alert.notification'),
    attemptId: v.pipe(Uuid, v.description('Also the CareWatch-Webhook-Id header; the same on every retry')),
    try: v.pipe(v.number(), v.description('1 for the first request, 2 for its first retry, …')),
    sentAt: Timestamp,
    alert: v.object({ ...alertSummaryFields, escalationLevel: v.number() }),
    resident: v.pipe(v.object({ id: Uuid, name: v.string() }), v.description('Only what a message to a worker needs')),
    staff: v.object({
      id: Uuid,
      name: v.string(),
      phone: v.nullable(v.string()),
      language: v.picklist(staffLanguage.enumValues),
    }),
    text: v.pipe(
      v.object({ title: v.string(), body: v.string() }),
      v.description("Ready to send: in the staff member's language, with the organisation's local time"),
    ),
    callbackUrl: v.pipe(v.string(), v.description('Where to report delivered / failed / acknowledged')),
  }),
  v.metadata({ ref: 'AlertNotification' }),
);

type _AlertNotificationDocumented = Assert<Documents<typeof AlertNotificationSchema, WebhookMessage>>;
