import { describeStaffRoute, jsonResponse } from '../../lib/openapi';
import { adminsOnly, anyStaff } from '../../lib/roles';
import { validate } from '../../lib/validate';
import { OrganisationParam, RuleBody, RuleSchema, RulesSchema, StaffParam } from './notification-rules.schemas';

const tags = ['notification rules'];
const ruleErrors = ['VALIDATION_FAILED', 'BAD_REQUEST'] as const;

export const list = [
  describeStaffRoute({
    tags,
    summary: 'Which channels, after which delays, per severity',
    description:
      'A delivery’s channels come from the person’s override for the alert’s severity, else the organisation’s ' +
      'rule, else the default. They are read when the delivery is created.',
    responses: { 200: jsonResponse('Defaults, organisation rules and overrides', RulesSchema) },
  }),
  anyStaff(),
] as const;

export const putOrganisation = [
  describeStaffRoute({
    tags,
    summary: "Set the organisation's rule for a severity",
    description: 'Admins. Applies to deliveries created from now on. Audited with the rule before and after.',
    responses: { 200: jsonResponse('The rule', RuleSchema) },
    errors: [...ruleErrors],
  }),
  adminsOnly(),
  validate('param', OrganisationParam),
  validate('json', RuleBody),
] as const;

export const removeOrganisation = [
  describeStaffRoute({
    tags,
    summary: "Remove the organisation's rule for a severity (back to the default)",
    responses: { 204: { description: 'Removed' } },
    errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
  }),
  adminsOnly(),
  validate('param', OrganisationParam),
] as const;

export const putStaff = [
  describeStaffRoute({
    tags,
    summary: "Set a staff member's own rule for a severity",
    description:
      'Anyone for themselves; admins for anyone in the organisation. Replaces the organisation’s rule ' +
      'for that person and severity. Audited.',
    responses: { 200: jsonResponse('The rule', RuleSchema) },
    errors: [...ruleErrors, 'NOT_FOUND'],
  }),
  anyStaff(),
  validate('param', StaffParam),
  validate('json', RuleBody),
] as const;

export const removeStaff = [
  describeStaffRoute({
    tags,
    summary: "Remove a staff member's own rule (the organisation’s applies again)",
    responses: { 204: { description: 'Removed' } },
    errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
  }),
  anyStaff(),
  validate('param', StaffParam),
] as const;
