import * as v from 'valibot';
import { pageQueryFields } from '../../lib/pagination';
import { recordSchemas } from '../../lib/record-schemas';
import { Uuid } from '../../lib/schemas';

const EscalationOrder = v.pipe(
  v.number(),
  v.integer('must be a whole number'),
  v.minValue(1, 'must be at least 1'),
  v.maxValue(20, 'must be at most 20'),
  v.description('1 is told first; escalation walks upwards'),
);

export const CreateBody = v.pipe(
  v.strictObject({ staffId: Uuid, residentId: Uuid, escalationOrder: v.optional(EscalationOrder, 1) }),
  v.metadata({
    example: {
      staffId: '5b0c2f7e-8c3a-4f7e-9a51-0d6b1c2e3f40',
      residentId: '9d7a1b2c-3e4f-4a5b-8c6d-7e8f9a0b1c2d',
      escalationOrder: 1,
    },
  }),
);

export const UpdateBody = v.strictObject({ escalationOrder: EscalationOrder });

export const ListQuery = v.object({
  ...pageQueryFields(['escalationOrder', 'createdAt'] as const),
  staffId: v.optional(Uuid),
  residentId: v.optional(Uuid),
});

/** An assignment as the API answers it. */
export const { Item, Page } = recordSchemas('Assignment', {
  staffId: Uuid,
  residentId: Uuid,
  escalationOrder: v.number(),
});
