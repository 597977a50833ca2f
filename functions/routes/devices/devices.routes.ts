import { jsonResponse } from '../../lib/openapi';
import { managersOnly } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import * as schemas from './devices.schemas';

const devices = resourceRoutes({ tag: 'devices', one: 'device', many: 'devices', guard: managersOnly });

export const list = devices.list({ page: schemas.DevicePageSchema, query: schemas.ListDevicesQuery });

export const get = devices.get({ item: schemas.DeviceSchema });

export const create = devices.create({
  summary: 'Add a device to a hub',
  created: { 201: jsonResponse('Added', schemas.DeviceSchema) },
  body: schemas.CreateDeviceBody,
});

export const update = devices.update({
  summary: 'Update a device',
  description: 'Setting `needsInspection: false` records an inspection and resets the false-alarm count.',
  item: schemas.DeviceSchema,
  body: schemas.UpdateDeviceBody,
});

export const remove = devices.remove({ summary: 'Remove a device' });
