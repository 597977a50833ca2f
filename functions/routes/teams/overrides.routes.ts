import { anyStaff, managersOnly } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import { IdParam } from '../../lib/schemas';
import * as schemas from './overrides.schemas';

/** A team's one-off changes live under it (`/v1/teams/:id/overrides`). */
const overrides = resourceRoutes({
  tag: 'on-call',
  one: 'override',
  guard: managersOnly,
  schemas,
  path: { parent: IdParam, item: schemas.OverrideParams },
});

export const list = overrides.list({
  guard: anyStaff,
  summary: 'List a team’s overrides',
  description: 'Those still running after `endsAfter` (default now), by start unless `sort` says otherwise.',
});

export const create = overrides.create('Put someone on call for a team for a while (managers and admins)', {
  answer: 'Created',
  description:
    'Sick leave or a swap: from startsAt to endsAt, staffId is on call for the team in place of replacesStaffId ' +
    '(or of whoever the rotations name, when omitted). Where overrides overlap, the one made last wins. An override ' +
    'ending before it starts is refused. Audited.',
});

export const remove = overrides.remove('Remove an override (managers and admins)', { description: 'Audited.' });
