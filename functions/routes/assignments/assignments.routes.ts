import { jsonResponse } from '../../lib/openapi';
import { managersOnly } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import {
  AssignmentPageSchema,
  AssignmentSchema,
  CreateAssignmentBody,
  ListAssignmentsQuery,
  UpdateAssignmentBody,
} from './assignments.schemas';

const assignments = resourceRoutes('assignments', managersOnly);

export const list = assignments.list({
  summary: 'List assignments',
  what: 'assignments',
  page: AssignmentPageSchema,
  query: ListAssignmentsQuery,
});

export const get = assignments.get({ summary: 'One assignment', what: 'assignment', item: AssignmentSchema });

export const create = assignments.create({
  summary: 'Assign a staff member to a resident',
  description: 'Both must belong to your organisation (422 otherwise); a pair is assigned once (409).',
  created: { 201: jsonResponse('Assigned', AssignmentSchema) },
  body: CreateAssignmentBody,
  conflict: true,
});

export const update = assignments.update({
  summary: 'Change the escalation order of an assignment',
  item: AssignmentSchema,
  body: UpdateAssignmentBody,
});

export const remove = assignments.remove({ summary: 'Remove an assignment' });
