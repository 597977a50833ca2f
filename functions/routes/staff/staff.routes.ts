import { jsonResponse } from '../../lib/openapi';
import { adminsOnly, managersOnly } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import { IdParam } from '../../lib/schemas';
import { validate } from '../../lib/validate';
import { CreateStaffBody, ListStaffQuery, StaffPageSchema, StaffSchema, UpdateStaffBody } from './staff.schemas';

const staff = resourceRoutes('staff', managersOnly);

export const list = staff.list({
  summary: 'List staff',
  description: 'Read-through cached per query; any staff write invalidates every cached list (`x-cache`).',
  what: 'staff',
  page: StaffPageSchema,
  query: ListStaffQuery,
});

export const get = staff.get({ summary: 'One staff member', what: 'staff member', item: StaffSchema });

export const create = staff.create({
  summary: 'Add a staff member',
  description: 'Emails are unique per organisation (409). Managers cannot create admins.',
  created: { 201: jsonResponse('Created', StaffSchema) },
  body: CreateStaffBody,
  conflict: true,
});

export const update = staff.update({
  summary: 'Update a staff member',
  description:
    'Deactivating (`active: false`) or changing the password revokes their refresh tokens. Managers cannot ' +
    'change admins, and changing `active` or the `password` of anyone but oneself is for admins (403); a ' +
    'manager may change their own password.',
  item: StaffSchema,
  body: UpdateStaffBody,
  conflict: true,
});

export const deactivate = staff.operation(
  {
    summary: 'Deactivate a staff member (admins only)',
    description:
      'Staff are never hard-deleted: alert deliveries and acknowledgements must keep naming who was told. ' +
      'The account is deactivated, its refresh tokens revoked, and it can no longer log in.',
    guard: adminsOnly,
    responses: { 200: jsonResponse('Deactivated', StaffSchema) },
    errors: ['NOT_FOUND', 'VALIDATION_FAILED', 'CONFLICT'],
  },
  validate('param', IdParam),
);
