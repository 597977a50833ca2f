import * as v from 'valibot';
import { EscalationPolicySchema } from '../../../db/alerts/escalation-policy';
import { alertSeverity } from '../../../db/schema/alerts';
import { Timestamp } from '../../lib/schemas';

export const SeverityParam = v.object({ severity: v.picklist(alertSeverity.enumValues) });

/** The body of a PUT: the stored ladder's own rule (`db/alerts/escalation-policy.ts`), no extra fields. */
export const PolicyBody = v.pipe(
  v.strictObject({
    steps: v.pipe(
      EscalationPolicySchema.entries.steps,
      v.description(
        'Who is told at each step and how long to wait for an acknowledgement before the next: ' +
          '{notify: "assigned", order?} (the resident’s carers, one escalation position or all), ' +
          '{notify: "managers"}, {notify: "admins"} or {notify: "on_call", teamId} (whoever is on call for the ' +
          'team when the step runs), each with waitSeconds 1–86,400. Below critical, staff off shift (in a ' +
          'rotation that has begun, on call for no team) are left out of every step',
      ),
    ),
    repeat: v.pipe(EscalationPolicySchema.entries.repeat, v.description('Times the ladder is walked (0–20)')),
  }),
);

const PolicySchema = v.pipe(
  v.object({
    severity: v.picklist(alertSeverity.enumValues),
    steps: v.array(v.record(v.string(), v.unknown())),
    repeat: v.number(),
    isDefault: v.pipe(v.boolean(), v.description('No ladder of the organisation’s own: the product default')),
    updatedAt: v.nullable(Timestamp),
  }),
  v.metadata({ ref: 'EscalationPolicy' }),
);

export const PoliciesSchema = v.pipe(
  v.object({ policies: v.array(PolicySchema) }),
  v.metadata({ ref: 'EscalationPolicies' }),
);
export { PolicySchema };
