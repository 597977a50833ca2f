import { describeStaffRoute, jsonResponse } from '../../lib/openapi';
import { anyStaff } from '../../lib/roles';
import { validate } from '../../lib/validate';
import { MeSchema, UpdateMeBody } from './me.schemas';

/** What the caller operation is: its documentation and who may call it. */

export const get = [
  describeStaffRoute({
    tags: ['auth'],
    summary: 'The calling staff member',
    responses: { 200: jsonResponse('Who the access token belongs to', MeSchema) },
  }),
  anyStaff(),
] as const;

export const update = [
  describeStaffRoute({
    tags: ['auth'],
    summary: 'Change my settings',
    description: 'The language the console shows and notifications (push, webhook texts) are written in.',
    responses: { 200: jsonResponse('Changed', MeSchema) },
    errors: ['VALIDATION_FAILED', 'BAD_REQUEST'],
  }),
  anyStaff(),
  validate('json', UpdateMeBody),
] as const;
