import { adminsOnly, anyStaff } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import { IdParam } from '../../lib/schemas';
import * as schemas from './rotations.schemas';

/** A team's rotations live under it (`/v1/teams/:id/rotations`). */
const rotations = resourceRoutes({
  tag: 'on-call',
  one: 'rotation',
  guard: adminsOnly,
  schemas,
  path: { parent: IdParam, item: schemas.RotationParams },
});

export const list = rotations.list({ guard: anyStaff, summary: 'List a team’s rotations' });

export const get = rotations.get({ guard: anyStaff, summary: 'One rotation of a team' });

export const create = rotations.create('Add a rotation to a team (admins)', {
  answer: 'Created, with the gaps the team’s rotations now leave in the week',
  returns: schemas.Written,
  description:
    'Participants take turns of turnDays days from startsAt (a wall-clock time in the organisation’s time zone, so ' +
    'the handover keeps its hour when clocks change); the turn’s holder is on call during the shifts. Gaps the ' +
    'team’s rotations leave are answered in teamCoverageGaps (allowed, reported). Participants must be active staff ' +
    'of the organisation (422). Audited.',
});

export const update = rotations.update('Change a rotation (admins)', {
  description: 'The same rules as creating one; answers the rotation and the team’s gaps. Audited before and after.',
  returns: schemas.Written,
});

export const remove = rotations.remove('Remove a rotation (admins)', { description: 'Audited.' });
