import { describeStaffRoute, jsonResponse } from '../../lib/openapi';
import { anyStaff } from '../../lib/roles';
import { MeSchema } from './me.schemas';

/** What the caller operation is: its documentation and who may call it. */

export const get = [
  describeStaffRoute({
    tags: ['auth'],
    summary: 'The calling staff member',
    responses: { 200: jsonResponse('Who the access token belongs to', MeSchema) },
  }),
  anyStaff(),
] as const;
