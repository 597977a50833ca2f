import { managersOnly } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import * as schemas from './devices.schemas';

const devices = resourceRoutes({ one: 'device', guard: managersOnly, schemas });

export const list = devices.list();

export const get = devices.get();

export const create = devices.create('Add a device to a hub', { answer: 'Added' });

export const update = devices.update('Update a device', {
  description: 'Setting `needsInspection: false` records an inspection and resets the false-alarm count.',
});

export const remove = devices.remove('Remove a device');
