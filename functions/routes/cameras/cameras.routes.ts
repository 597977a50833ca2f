import { jsonResponse } from '../../lib/openapi';
import { managersOnly } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import * as schemas from './cameras.schemas';

const cameras = resourceRoutes({ tag: 'cameras', one: 'camera', many: 'cameras', guard: managersOnly });

export const list = cameras.list({ page: schemas.CameraPageSchema, query: schemas.ListCamerasQuery });

export const get = cameras.get({ item: schemas.CameraSchema });

/** An RTP port another camera uses without its own ssrc is a 409. */
export const create = cameras.create({
  summary: 'Add a camera to a resident’s home',
  description: 'Recording consent (`consentGivenBy`) stores who recorded it and when, and is audited.',
  created: { 201: jsonResponse('Added', schemas.CameraSchema) },
  body: schemas.CreateCameraBody,
  conflict: true,
});

export const update = cameras.update({
  summary: 'Update a camera or its consent',
  description: 'A consent change (recorded or withdrawn with `consentGivenBy: null`) is audited.',
  item: schemas.CameraSchema,
  body: schemas.UpdateCameraBody,
  conflict: true,
});

export const remove = cameras.remove({ summary: 'Remove a camera' });
