import * as v from 'valibot';
import { alertSeverity } from '../../../db/schema';
import { Timestamp, Uuid } from '../../lib/schemas';

const Severity = v.picklist(alertSeverity.enumValues);

export const ChannelRuleSchema = v.pipe(
  v.strictObject({
    channel: v.pipe(v.picklist(['push', 'webhook']), v.description('The dashboard is always on and not listed')),
    delaySeconds: v.pipe(
      v.number(),
      v.integer(),
      v.minValue(0),
      v.maxValue(86_400),
      v.description('Seconds after the alert reaches the person’s escalation step'),
    ),
    unlessReceived: v.optional(
      v.pipe(v.boolean(), v.description('Skip it if the delivery was received (dashboard or another channel) by then')),
    ),
    endpointId: v.optional(v.pipe(Uuid, v.description('Webhook only: the endpoint; absent = every active one'))),
  }),
  v.check((rule) => rule.channel === 'webhook' || rule.endpointId === undefined, 'only a webhook names an endpoint'),
  v.metadata({ ref: 'ChannelRule' }),
);

export const RuleBody = v.pipe(
  v.strictObject({ channels: v.pipe(v.array(ChannelRuleSchema), v.maxLength(10)) }),
  v.metadata({
    ref: 'NotificationRuleBody',
    example: {
      channels: [
        { channel: 'push', delaySeconds: 0 },
        { channel: 'webhook', delaySeconds: 30, unlessReceived: true },
      ],
    },
  }),
);

export const OrganisationParam = v.object({ severity: Severity });
export const StaffParam = v.object({ staffId: Uuid, severity: Severity });

export const RuleSchema = v.pipe(
  v.object({
    severity: Severity,
    staffId: v.pipe(v.nullable(Uuid), v.description('null: the organisation’s rule')),
    channels: v.array(ChannelRuleSchema),
    updatedAt: Timestamp,
  }),
  v.metadata({ ref: 'NotificationRule' }),
);

export const RulesSchema = v.pipe(
  v.object({
    defaults: v.pipe(
      v.record(Severity, v.array(ChannelRuleSchema)),
      v.description('What applies where the organisation has no rule'),
    ),
    rules: v.pipe(
      v.array(RuleSchema),
      v.description('The organisation’s rules and the per-staff overrides (caregivers see only their own)'),
    ),
  }),
  v.metadata({ ref: 'NotificationRules' }),
);
