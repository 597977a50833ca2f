import * as v from 'valibot';
import { StorableText, Uuid } from '../../lib/schemas';

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
