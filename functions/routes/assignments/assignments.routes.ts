import { managersOnly } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import * as schemas from './assignments.schemas';

/** A staff member is assigned to a resident once. */
const assignments = resourceRoutes({ one: 'assignment', guard: managersOnly, schemas, unique: ['create'] });

export const list = assignments.list();

export const get = assignments.get();

export const create = assignments.create('Assign a staff member to a resident', {
  answer: 'Assigned',
  description: 'Both must belong to your organisation (422 otherwise); a pair is assigned once (409).',
});

export const update = assignments.update('Change the escalation order of an assignment');

export const remove = assignments.remove('Remove an assignment');
