import { adminsOnly } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import { IdParam } from '../../lib/schemas';
import * as schemas from './camera-grants.schemas';

/** Standing access grants live under their camera (`/v1/cameras/:id/grants`), so every route names the camera. */
const grants = resourceRoutes({
  tag: 'cameras',
  one: 'grant',
  guard: adminsOnly,
  schemas,
  path: { parent: IdParam, item: schemas.GrantParams },
});

export const list = grants.list({
  summary: 'List standing access grants of a camera (admins only)',
  description:
    'Grants of the camera’s resident (a grant covers all of the resident’s cameras), oldest first unless ' +
    '`order=desc`; `active` filters by whether they are in force.',
});

export const create = grants.create('Grant a caregiver standing access to a camera (admins only)', {
  answer: 'Granted',
  description:
    'The caregiver must be active and assigned to the camera’s resident (managers and admins can always ' +
    'watch). The grant covers every camera of that resident until `expiresAt` or revocation, and is audited.',
});

export const revoke = grants.action('Revoke a standing access grant (admins only)', {
  answer: 'Revoked',
  conflict: true,
  description:
    'Sets `revokedAt`/`revokedBy` (the row stays as a record) and is audited. A view the grant justified ends ' +
    'within the realtime node’s access re-check interval. A grant already revoked answers 409.',
});
