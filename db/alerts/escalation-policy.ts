import * as v from 'valibot';
import { defaultEscalationPolicies } from '../defaults';
import { reportDbDiagnostic } from '../diagnostics';
import type { AlertSeverity, EscalationStep } from '../schema/alerts';

/** An organisation's ladder for one severity (`escalation_policies`). */
export interface EscalationPolicy {
  steps: EscalationStep[];
  repeat: number;
}

const waitSeconds = v.pipe(
  v.number(),
  v.integer('must be whole seconds'),
  v.minValue(1, 'must be at least 1 second'),
  v.maxValue(86_400, 'must be at most 24 hours'),
);

const Step = v.variant('notify', [
  v.object({
    notify: v.literal('assigned'),
    order: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1))),
    waitSeconds,
  }),
  v.object({ notify: v.literal('managers'), waitSeconds }),
  v.object({ notify: v.literal('admins'), waitSeconds }),
  v.object({ notify: v.literal('on_call'), teamId: v.pipe(v.string(), v.uuid('must be a team id')), waitSeconds }),
]);

/**
 * The audit trail's actions for a ladder change; their `details.before` is the ladder the change replaced, which the
 * alert audit reads back to judge past alerts by the ladder of their time.
 */
export const ladderChangeActions = { set: 'escalation_policy.set', remove: 'escalation_policy.remove' } as const;

/**
 * A ladder as stored and as the API takes it: the one rule both apply (the API refuses what the realtime node would
 * replace by the default).
 */
export const EscalationPolicySchema = v.object({
  steps: v.pipe(v.array(Step), v.minLength(1, 'needs at least one step'), v.maxLength(50)),
  repeat: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(20)),
});

/**
 * The stored ladder if it is well-formed, else the default for the severity. Policies are data edited outside the
 * code, and one bad row (a step without `waitSeconds`, a string order) must not stop an alert from escalating or
 * fail the sweep that escalates every organisation's alerts: a malformed ladder escalates like the default one.
 */
export function usablePolicy(stored: unknown, orgId: string, severity: AlertSeverity): EscalationPolicy {
  if (stored === null || stored === undefined) return defaultEscalationPolicies[severity];
  const parsed = v.safeParse(EscalationPolicySchema, stored);
  if (parsed.success) return parsed.output;
  reportDbDiagnostic({
    level: 'warn',
    scope: 'escalation',
    message: 'malformed escalation policy; escalating by the default ladder',
    fields: {
      orgId,
      severity,
      problems: parsed.issues.map((issue) => `${v.getDotPath(issue) ?? 'policy'}: ${issue.message}`).join('; '),
    },
  });
  return defaultEscalationPolicies[severity];
}
