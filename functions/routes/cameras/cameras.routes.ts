import { jsonResponse } from '../../lib/openapi';
import { managersOnly } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import {
  CameraPageSchema,
  CameraSchema,
  CreateCameraBody,
  ListCamerasQuery,
  UpdateCameraBody,
} from './cameras.schemas';

const cameras = resourceRoutes('cameras', managersOnly);

export const list = cameras.list({
  summary: 'List cameras',
  what: 'cameras',
  page: CameraPageSchema,
  query: ListCamerasQuery,
});

export const get = cameras.get({ summary: 'One camera', what: 'camera', item: CameraSchema });

/** An RTP port another camera uses without its own ssrc is a 409. */
export const create = cameras.create({
  summary: 'Add a camera to a resident’s home',
  description: 'Recording consent (`consentGivenBy`) stores who recorded it and when, and is audited.',
  created: { 201: jsonResponse('Added', CameraSchema) },
  body: CreateCameraBody,
  conflict: true,
});

export const update = cameras.update({
  summary: 'Update a camera or its consent',
  description: 'A consent change (recorded or withdrawn with `consentGivenBy: null`) is audited.',
  item: CameraSchema,
  body: UpdateCameraBody,
  conflict: true,
});

export const remove = cameras.remove({ summary: 'Remove a camera' });
