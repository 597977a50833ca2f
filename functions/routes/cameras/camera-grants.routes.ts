import { jsonResponse } from '../../lib/openapi';
import { adminsOnly } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import { IdParam } from '../../lib/schemas';
import { validate } from '../../lib/validate';
import { CreateGrantBody, GrantPageSchema, GrantParams, GrantSchema, ListGrantsQuery } from './camera-grants.schemas';

/** Standing access grants live under their camera (`/v1/cameras/:id/grants`), so every route names the camera. */
const grants = resourceRoutes({ tag: 'cameras', one: 'grant', many: 'grants', guard: adminsOnly });

export const list = grants.operation(
  {
    summary: 'List standing access grants of a camera (admins only)',
    description:
      'Grants of the camera’s resident (a grant covers all of the resident’s cameras), oldest first unless ' +
      '`order=desc`; `active` filters by whether they are in force.',
    responses: { 200: jsonResponse('A page of grants', GrantPageSchema) },
    errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
  },
  validate('param', IdParam),
  validate('query', ListGrantsQuery),
);

export const create = grants.operation(
  {
    summary: 'Grant a caregiver standing access to a camera (admins only)',
    description:
      'The caregiver must be active and assigned to the camera’s resident (managers and admins can always ' +
      'watch). The grant covers every camera of that resident until `expiresAt` or revocation, and is audited.',
    responses: { 201: jsonResponse('Granted', GrantSchema) },
    errors: ['NOT_FOUND', 'VALIDATION_FAILED', 'BAD_REQUEST'],
  },
  validate('param', IdParam),
  validate('json', CreateGrantBody),
);

export const revoke = grants.operation(
  {
    summary: 'Revoke a standing access grant (admins only)',
    description:
      'Sets `revokedAt`/`revokedBy` (the row stays as a record) and is audited. A view the grant justified ends ' +
      'within the realtime node’s access re-check interval. A grant already revoked answers 409.',
    responses: { 200: jsonResponse('Revoked', GrantSchema) },
    errors: ['NOT_FOUND', 'VALIDATION_FAILED', 'CONFLICT'],
  },
  validate('param', GrantParams),
);
