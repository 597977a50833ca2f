import { adminsOnly } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import * as schemas from './webhook-endpoints.schemas';

const endpoints = resourceRoutes({ one: 'webhook endpoint', tag: 'integrations', guard: adminsOnly, schemas });

export const list = endpoints.list();

export const get = endpoints.get();

export const create = endpoints.create('Register an integration endpoint', {
  answer: 'Registered',
  returns: schemas.WithSecretSchema,
  description:
    "The organisation's own integration (an SMS or voice gateway, a 119 relay): notification rules name it for " +
    'the `webhook` channel. Returns its signing secret, shown this once. Audited.',
});

export const update = endpoints.update('Rename, re-point, disable or enable an endpoint', {
  description: 'Queued calls to a disabled endpoint are cancelled when they fall due. Audited.',
});

export const rotateSecret = endpoints.action("Rotate an endpoint's signing secret", {
  answer: 'New secret',
  returns: schemas.WithSecretSchema,
  description: 'The old secret stops working at once (requests and callbacks); the new one is shown this once.',
});

export const remove = endpoints.remove('Remove an endpoint', {
  description: 'Its queued calls are cancelled when they fall due; the history of calls made stays. Audited.',
});
