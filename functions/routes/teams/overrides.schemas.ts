import * as v from 'valibot';
import { MAX_OVERRIDE_DAYS } from '../../../db/on-call/rules';
import { pageQueryFields } from '../../lib/pagination';
import { recordSchemas } from '../../lib/record-schemas';
import { DateTime, StorableText, Timestamp, Uuid } from '../../lib/schemas';

export const OverrideParams = v.object({ id: Uuid, overrideId: Uuid });

export const CreateBody = v.pipe(
  v.strictObject({
    staffId: v.pipe(Uuid, v.description('Who is on call for the team during the override (active staff)')),
    replacesStaffId: v.optional(
      v.nullable(
        v.pipe(
          Uuid,
          v.description(
            'Whom they stand in for (sick leave, a swap): that person’s turns in the window pass to staffId. ' +
              'Omitted or null: staffId alone is the team’s on-call for the whole window.',
          ),
        ),
      ),
      null,
    ),
    startsAt: v.pipe(DateTime, v.description('ISO-8601 with an offset')),
    endsAt: v.pipe(DateTime, v.description(`After startsAt, at most ${MAX_OVERRIDE_DAYS} days later`)),
    reason: v.optional(v.nullable(v.pipe(StorableText, v.trim(), v.maxLength(500))), null),
  }),
  v.forward(
    v.check((body) => Date.parse(body.endsAt) > Date.parse(body.startsAt), 'the override ends before it starts'),
    ['endsAt'],
  ),
  v.forward(
    v.check(
      (body) => Date.parse(body.endsAt) - Date.parse(body.startsAt) <= MAX_OVERRIDE_DAYS * 86_400_000,
      `an override covers at most ${MAX_OVERRIDE_DAYS} days`,
    ),
    ['endsAt'],
  ),
  v.forward(
    v.check((body) => body.staffId !== body.replacesStaffId, 'a person cannot stand in for themselves'),
    ['replacesStaffId'],
  ),
  v.metadata({
    example: {
      staffId: '3f1c2a9e-8b7d-4c6e-9f0a-1b2c3d4e5f60',
      replacesStaffId: '0b1e6a52-9c3d-4f7e-8a21-5d6c7b8a9e01',
      startsAt: '2026-12-08T18:00:00+09:00',
      endsAt: '2026-12-09T09:00:00+09:00',
      reason: 'Sick leave',
    },
  }),
);

export const ListQuery = v.object({
  ...pageQueryFields(['startsAt', 'createdAt'] as const),
  endsAfter: v.optional(
    v.pipe(DateTime, v.description('Only overrides still running after this instant (default: now)')),
  ),
});

export const { Item, Page } = recordSchemas('OnCallOverride', {
  teamId: Uuid,
  staffId: Uuid,
  replacesStaffId: v.nullable(Uuid),
  startsAt: Timestamp,
  endsAt: Timestamp,
  reason: v.nullable(v.string()),
  createdBy: v.nullable(Uuid),
});
