import * as v from 'valibot';
import { staffRole } from '../../../db/schema';
import { DateTime, Timestamp, Uuid } from '../../lib/schemas';

export const OnCallQuery = v.object({
  at: v.optional(v.pipe(DateTime, v.description('The instant asked about (ISO-8601 with an offset); default now'))),
});

const OnCallPerson = v.pipe(
  v.object({
    staffId: Uuid,
    name: v.string(),
    role: v.picklist(staffRole.enumValues),
    active: v.pipe(v.boolean(), v.description('A deactivated person on call is told nothing: the step passes on')),
    rotationId: v.pipe(v.nullable(Uuid), v.description('The rotation whose turn and shift put them on call')),
    rotationName: v.nullable(v.string()),
    overrideId: v.pipe(v.nullable(Uuid), v.description('The override that put them on call')),
    replacesStaffId: v.pipe(v.nullable(Uuid), v.description('Whom the override has them stand in for')),
    replacesName: v.pipe(v.nullable(v.string()), v.description('Their name, so every reader can tell who is away')),
  }),
  v.metadata({ ref: 'OnCallPerson' }),
);

export const OnCallSchema = v.pipe(
  v.object({
    at: Timestamp,
    timeZone: v.string(),
    localTime: v.pipe(v.string(), v.description('`at` on the organisation’s wall clock, YYYY-MM-DDTHH:MM')),
    teams: v.array(v.object({ id: Uuid, name: v.string(), onCall: v.array(OnCallPerson) })),
  }),
  v.metadata({ ref: 'OnCall' }),
);
