import { describeStaffRoute, jsonResponse } from '../../lib/openapi';
import { adminsOnly, managersOnly } from '../../lib/roles';
import { validate } from '../../lib/validate';
import { PoliciesSchema, PolicyBody, PolicySchema, SeverityParam } from './escalation-policies.schemas';

const tags = ['escalation policies'];

export const list = [
  describeStaffRoute({
    tags,
    summary: 'The escalation ladder of every severity',
    description: 'Managers and admins. The organisation’s own ladder per severity, or the default where it has none.',
    responses: { 200: jsonResponse('One ladder per severity', PoliciesSchema) },
  }),
  managersOnly(),
] as const;

export const put = [
  describeStaffRoute({
    tags,
    summary: 'Set the escalation ladder of a severity',
    description:
      'Admins. Alerts escalate by it from their next step on. Validated by the rule the realtime node applies when ' +
      'it reads a ladder (at least one step, waits of 1 s–24 h, repeat 0–20). Audited with the ladder before and after.',
    responses: { 200: jsonResponse('The ladder', PolicySchema) },
    errors: ['VALIDATION_FAILED'],
  }),
  adminsOnly(),
  validate('param', SeverityParam),
  validate('json', PolicyBody),
] as const;

export const remove = [
  describeStaffRoute({
    tags,
    summary: 'Go back to the default ladder for a severity',
    description: 'Admins. Audited with the ladder it removed.',
    responses: { 204: { description: 'Removed' } },
    errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
  }),
  adminsOnly(),
  validate('param', SeverityParam),
] as const;
