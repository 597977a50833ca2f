import { jsonResponse } from '../../lib/openapi';
import { adminsOnly, managersOnly } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import { IdParam } from '../../lib/schemas';
import { validate } from '../../lib/validate';
import * as schemas from './staff.schemas';

const staff = resourceRoutes({ tag: 'staff', one: 'staff member', many: 'staff', guard: managersOnly });

export const list = staff.list({
  description: 'Read-through cached per query; any staff write invalidates every cached list (`x-cache`).',
  page: schemas.StaffPageSchema,
  query: schemas.ListStaffQuery,
});

export const get = staff.get({ item: schemas.StaffSchema });

export const create = staff.create({
  summary: 'Add a staff member',
  description: 'Emails are unique per organisation (409). Managers cannot create admins.',
  created: { 201: jsonResponse('Created', schemas.StaffSchema) },
  body: schemas.CreateStaffBody,
  conflict: true,
});

export const update = staff.update({
  summary: 'Update a staff member',
  description:
    'Deactivating (`active: false`) or changing the password revokes their refresh tokens. Managers cannot ' +
    'change admins, and changing `active` or the `password` of anyone but oneself is for admins (403); a ' +
    'manager may change their own password.',
  item: schemas.StaffSchema,
  body: schemas.UpdateStaffBody,
  conflict: true,
});

export const deactivate = staff.operation(
  {
    summary: 'Deactivate a staff member (admins only)',
    description:
      'Staff are never hard-deleted: alert deliveries and acknowledgements must keep naming who was told. ' +
      'The account is deactivated, its refresh tokens revoked, and it can no longer log in.',
    guard: adminsOnly,
    responses: { 200: jsonResponse('Deactivated', schemas.StaffSchema) },
    errors: ['NOT_FOUND', 'VALIDATION_FAILED', 'CONFLICT'],
  },
  validate('param', IdParam),
);
