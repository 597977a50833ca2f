import { jsonResponse } from '../../lib/openapi';
import { managersOnly } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import {
  CreateDeviceBody,
  DevicePageSchema,
  DeviceSchema,
  ListDevicesQuery,
  UpdateDeviceBody,
} from './devices.schemas';

const devices = resourceRoutes('devices', managersOnly);

export const list = devices.list({
  summary: 'List devices',
  what: 'devices',
  page: DevicePageSchema,
  query: ListDevicesQuery,
});

export const get = devices.get({ summary: 'One device', what: 'device', item: DeviceSchema });

export const create = devices.create({
  summary: 'Add a device to a hub',
  created: { 201: jsonResponse('Added', DeviceSchema) },
  body: CreateDeviceBody,
});

export const update = devices.update({
  summary: 'Update a device',
  description: 'Setting `needsInspection: false` records an inspection and resets the false-alarm count.',
  item: DeviceSchema,
  body: UpdateDeviceBody,
});

export const remove = devices.remove({ summary: 'Remove a device' });
