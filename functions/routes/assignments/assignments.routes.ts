import { jsonResponse } from '../../lib/openapi';
import { managersOnly } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import * as schemas from './assignments.schemas';

const assignments = resourceRoutes({ tag: 'assignments', one: 'assignment', many: 'assignments', guard: managersOnly });

export const list = assignments.list({ page: schemas.AssignmentPageSchema, query: schemas.ListAssignmentsQuery });

export const get = assignments.get({ item: schemas.AssignmentSchema });

export const create = assignments.create({
  summary: 'Assign a staff member to a resident',
  description: 'Both must belong to your organisation (422 otherwise); a pair is assigned once (409).',
  created: { 201: jsonResponse('Assigned', schemas.AssignmentSchema) },
  body: schemas.CreateAssignmentBody,
  conflict: true,
});

export const update = assignments.update({
  summary: 'Change the escalation order of an assignment',
  item: schemas.AssignmentSchema,
  body: schemas.UpdateAssignmentBody,
});

export const remove = assignments.remove({ summary: 'Remove an assignment' });
