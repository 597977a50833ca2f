import { managersOnly } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import * as schemas from './hubs.schemas';

const hubs = resourceRoutes({ one: 'hub', guard: managersOnly, schemas });

export const list = hubs.list();

export const get = hubs.get();

export const create = hubs.create('Register a hub', {
  answer: 'Registered',
  returns: schemas.HubWithKeySchema,
  description: 'Returns the hub and its API key. The key is shown this once; only its SHA-256 is stored.',
});

export const update = hubs.update('Rename a hub or move it to another resident');

export const rotateKey = hubs.action('Rotate the API key of a hub', {
  answer: 'New key',
  returns: schemas.HubWithKeySchema,
  description: 'The old key stops working at once; the new key is shown this once. Audited.',
});

export const remove = hubs.remove('Remove a hub and its devices', {
  description: 'Its key stops working; recorded sensor events and alerts stay.',
});
