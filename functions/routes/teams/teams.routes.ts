import { adminsOnly, anyStaff } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import * as schemas from './teams.schemas';

const teams = resourceRoutes({ tag: 'on-call', one: 'team', guard: adminsOnly, schemas, unique: ['create', 'update'] });

export const list = teams.list({
  guard: anyStaff,
  description: 'Every staff member. Teams of the organisation with the gaps their rotations leave in the week.',
});

export const get = teams.get({ guard: anyStaff, description: 'Every staff member.' });

export const create = teams.create('Create an on-call team (admins)', {
  answer: 'Created',
  description: 'Names are unique in the organisation (409). Audited.',
});

export const update = teams.update('Rename a team or change its description (admins)', {
  description: 'Audited with the fields before and after.',
});

export const remove = teams.remove('Delete a team with its rotations and overrides (admins)', {
  description:
    'Refused (409) while an escalation ladder has a step naming the team’s on-call: change the ladder first, so ' +
    'no step is left pointing at nobody. Audited.',
  errors: ['CONFLICT'],
});
