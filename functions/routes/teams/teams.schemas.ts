import * as v from 'valibot';
import { pageQueryFields } from '../../lib/pagination';
import { recordSchemas } from '../../lib/record-schemas';
import { Name, StorableText } from '../../lib/schemas';
import { CoverageGapSchema } from './schedule-schemas';

const Description = v.nullable(
  v.pipe(StorableText, v.trim(), v.maxLength(1_000), v.description('What the team covers (optional)')),
);

export const CreateBody = v.pipe(
  v.strictObject({
    name: v.pipe(Name, v.description('Unique in the organisation')),
    description: v.optional(Description),
  }),
  v.metadata({ example: { name: '야간 당직', description: 'Night desk: answers alerts 18:00–09:00' } }),
);

export const UpdateBody = v.pipe(
  v.strictObject({ name: v.optional(Name), description: v.optional(Description) }),
  v.check((body) => Object.keys(body).length > 0, 'send at least one field to change'),
);

export const ListQuery = v.object({ ...pageQueryFields(['name', 'createdAt'] as const) });

/** A team as the API answers it, with the stretches of the week its rotations leave uncovered. */
export const { Item, Page } = recordSchemas('Team', {
  name: v.string(),
  description: v.nullable(v.string()),
  coverageGaps: v.pipe(
    v.array(CoverageGapSchema),
    v.description(
      'Stretches of the week no rotation of the team covers (organisation time zone). Allowed — a team may be ' +
        'on call only at night — but reported, so a gap is a choice; a team without rotations is one gap all week.',
    ),
  ),
});
