import { jsonResponse } from '../../lib/openapi';
import { adminsOnly, anyStaff, managersOnly } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import { IdParam } from '../../lib/schemas';
import { validate } from '../../lib/validate';
import * as schemas from './residents.schemas';

const residents = resourceRoutes({ tag: 'residents', one: 'resident', many: 'residents', guard: managersOnly });

export const list = residents.list({
  description: 'Admins and managers see every resident of their organisation; caregivers only those assigned to them.',
  guard: anyStaff,
  page: schemas.ResidentPageSchema,
  query: schemas.ListResidentsQuery,
});

export const profile = residents.get({
  summary: 'Resident profile',
  description:
    'The resident with assigned staff (by escalation order), unresolved alerts and cameras (with whether ' +
    'consent is recorded). Read-through cached (`x-cache: hit|miss`); every write that changes it, and every ' +
    'alert change, invalidates it; `lastActivityAt` may lag routine sensor batches by up to 30 s.',
  guard: anyStaff,
  what: 'profile',
  item: schemas.ResidentProfileSchema,
});

export const create = residents.create({
  summary: 'Register a resident',
  created: { 201: jsonResponse('Registered', schemas.ResidentSchema) },
  body: schemas.CreateResidentBody,
});

export const update = residents.update({
  summary: 'Update a resident',
  description: 'Only the fields sent change. Changing `presence` also restarts its clock.',
  item: schemas.ResidentSchema,
  body: schemas.UpdateResidentBody,
});

export const discharge = residents.operation(
  {
    summary: 'Unregister (discharge) a resident',
    description:
      'Marks the resident discharged and keeps every record (events, alerts, audit). Discharging twice is a 409.',
    responses: { 200: jsonResponse('Discharged', schemas.ResidentSchema) },
    errors: ['NOT_FOUND', 'CONFLICT', 'VALIDATION_FAILED'],
  },
  validate('param', IdParam),
);

export const erase = residents.operation(
  {
    summary: 'Erase a resident (admins only)',
    description:
      'Hard delete for a data-protection request: the resident, their sensor events, alerts, assignments and ' +
      'cameras are removed; hubs stay, unassigned. The audit log keeps who erased whom and when, nothing more.',
    guard: adminsOnly,
    responses: { 200: jsonResponse('Erased', schemas.EraseResultSchema) },
    errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
  },
  validate('param', IdParam),
);
