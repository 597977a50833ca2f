import { describeStaffRoute, jsonResponse } from '../../lib/openapi';
import { anyStaff } from '../../lib/roles';
import { IdParam } from '../../lib/schemas';
import { validate } from '../../lib/validate';
import { OnCallQuery, OnCallSchema } from './on-call.schemas';

const tags = ['on-call'];
const how =
  'A rotation puts the holder of its current turn on call while one of its weekly shifts runs (organisation time ' +
  'zone); overrides running at that instant then apply in the order they were made (the last made wins).';

export const everyTeam = [
  describeStaffRoute({
    tags,
    summary: 'Who is on call now, or at time T, for every team',
    description: `Every staff member. ${how}`,
    responses: { 200: jsonResponse('Each team and who is on call for it', OnCallSchema) },
    errors: ['VALIDATION_FAILED'],
  }),
  anyStaff(),
  validate('query', OnCallQuery),
] as const;

export const oneTeam = [
  describeStaffRoute({
    tags,
    summary: 'Who is on call now, or at time T, for one team',
    description: `Every staff member. ${how} An escalation step {notify: "on_call", teamId} tells these people.`,
    responses: { 200: jsonResponse('The team and who is on call for it', OnCallSchema) },
    errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
  }),
  anyStaff(),
  validate('param', IdParam),
  validate('query', OnCallQuery),
] as const;
