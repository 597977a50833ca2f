import { describeStaffRoute, jsonResponse } from '../../lib/openapi';
import { adminsOnly } from '../../lib/roles';
import { validate } from '../../lib/validate';
import { AuditQuery, AuditSchema } from './reports.schemas';

const tags = ['reports'];

export const alertAudit = [
  describeStaffRoute({
    tags,
    summary: 'Proof from the database that every alert was answered or escalated on time',
    description:
      'Admins. The check `npm run audit:alerts` runs, over the organisation’s alerts opened in the range: each ' +
      'was delivered to and acknowledged by a person, or escalated at each step of its ladder on time (within the ' +
      'step’s wait plus `tolerance`), or is still inside its current step’s wait. Lists every alert that is not, ' +
      'with why.',
    responses: { 200: jsonResponse('The alerts checked and those that break the rule', AuditSchema) },
    errors: ['VALIDATION_FAILED'],
  }),
  adminsOnly(),
  validate('query', AuditQuery),
] as const;
