import { managersOnly } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import * as schemas from './cameras.schemas';

/** An RTP port another camera uses without its own ssrc is a 409, on create and on update. */
const cameras = resourceRoutes({ one: 'camera', guard: managersOnly, schemas, unique: ['create', 'update'] });

export const list = cameras.list();

export const get = cameras.get();

export const create = cameras.create('Add a camera to a resident’s home', {
  answer: 'Added',
  description:
    'Consent is given per purpose: live viewing (`consentGivenBy`) and event media (`eventMediaConsentGivenBy`: a ' +
    'snapshot and a pre-alarm clip attached to alerts). Each stores who recorded it and when, and is audited.',
});

export const update = cameras.update('Update a camera or its consent', {
  description:
    'A consent change (recorded, or withdrawn with `consentGivenBy: null` / `eventMediaConsentGivenBy: null`) is ' +
    "audited. Withdrawing event-media consent deletes the camera's stored snapshots and clips in the same " +
    'transaction; their bytes are queued for deletion from the media store.',
});

export const remove = cameras.remove('Remove a camera');
