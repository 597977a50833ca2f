import * as v from 'valibot';
import { RotationRules } from '../../../db/on-call/rules';
import { weekdays } from '../../../db/schema/on-call';
import { pageQueryFields } from '../../lib/pagination';
import { recordSchemas } from '../../lib/record-schemas';
import { StorableText, Uuid } from '../../lib/schemas';
import { CoverageGapSchema } from './schedule-schemas';

export const RotationParams = v.object({ id: Uuid, rotationId: Uuid });

const fields = {
  name: v.pipe(StorableText, RotationRules.name, v.description('e.g. "Weeknights"')),
  participantIds: v.pipe(
    RotationRules.participantIds,
    v.description('Active staff of the organisation, in turn order; the first holds the turn that starts at startsAt'),
  ),
  startsAt: v.pipe(
    RotationRules.startsAt,
    v.description(
      'The first handover: a local date and time (organisation time zone, no offset). Every turnDays days at this ' +
        'time the duty passes to the next participant; before it nobody is on call by this rotation.',
    ),
  ),
  turnDays: v.pipe(RotationRules.turnDays, v.description('Length of one turn: 7 for a weekly rotation (1–28)')),
  shifts: v.pipe(
    RotationRules.shifts,
    v.description(
      'When in the week the turn’s holder is on call ({day, start, end, endsNextDay?}, organisation time zone); ' +
        'null for all week. A shift that ends before it starts is refused: a night shift sets endsNextDay.',
    ),
  ),
};

export const CreateBody = v.pipe(
  v.strictObject({
    ...fields,
    turnDays: v.optional(fields.turnDays, 7),
    shifts: v.optional(fields.shifts, null),
  }),
  v.metadata({
    example: {
      name: 'Weeknights',
      participantIds: ['3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60', '0b1e6a52-9c3d-4f7e-8a21-5d6c7b8a9e01'],
      startsAt: '2026-12-07T09:00',
      turnDays: 7,
      shifts: ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => ({
        day,
        start: '18:00',
        end: '09:00',
        endsNextDay: true,
      })),
    },
  }),
);

export const UpdateBody = v.pipe(
  v.strictObject({
    name: v.optional(fields.name),
    participantIds: v.optional(fields.participantIds),
    startsAt: v.optional(fields.startsAt),
    turnDays: v.optional(fields.turnDays),
    shifts: v.optional(fields.shifts),
  }),
  v.check((body) => Object.keys(body).length > 0, 'send at least one field to change'),
);

export const ListQuery = v.object({ ...pageQueryFields(['createdAt', 'name'] as const) });

const Shift = v.object({
  day: v.picklist(weekdays),
  start: v.string(),
  end: v.string(),
  endsNextDay: v.optional(v.boolean()),
});

export const { Item, Page } = recordSchemas('OnCallRotation', {
  teamId: Uuid,
  name: v.string(),
  participantIds: v.array(Uuid),
  startsAt: v.pipe(v.string(), v.description('Local YYYY-MM-DDTHH:MM')),
  turnDays: v.number(),
  shifts: v.nullable(v.array(Shift)),
  handover: v.pipe(
    v.object({ day: v.picklist(weekdays), time: v.string(), everyDays: v.number() }),
    v.description('When the duty passes on, as people read it (from startsAt and turnDays)'),
  ),
});

/** A rotation written, with the gaps the team's rotations now leave (reported, not refused). */
export const Written = v.pipe(
  v.object({ rotation: Item, teamCoverageGaps: v.array(CoverageGapSchema) }),
  v.metadata({ ref: 'OnCallRotationWritten' }),
);
