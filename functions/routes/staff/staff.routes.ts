import { adminsOnly, managersOnly } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import * as schemas from './staff.schemas';

/** Emails are unique per organisation, on create and on update. */
const staff = resourceRoutes({
  one: 'staff member',
  many: 'staff',
  guard: managersOnly,
  schemas,
  unique: ['create', 'update'],
});

export const list = staff.list({
  description: 'Read-through cached per query; any staff write invalidates every cached list (`x-cache`).',
});

export const get = staff.get();

export const create = staff.create('Add a staff member', {
  answer: 'Created',
  description: 'Emails are unique per organisation (409). Managers cannot create admins.',
});

export const update = staff.update('Update a staff member', {
  description:
    'Deactivating (`active: false`) or changing the password revokes their refresh tokens. Managers cannot ' +
    'change admins, and changing `active` or the `password` of anyone but oneself is for admins (403); a ' +
    'manager may change their own password.',
});

export const deactivate = staff.action('Deactivate a staff member (admins only)', {
  answer: 'Deactivated',
  conflict: true,
  guard: adminsOnly,
  description:
    'Staff are never hard-deleted: alert deliveries and acknowledgements must keep naming who was told. ' +
    'The account is deactivated, its refresh tokens revoked, and it can no longer log in.',
});
