import * as v from 'valibot';
import { deviceKind } from '../../../db/schema';
import { pageQueryFields } from '../../lib/pagination';
import { recordSchemas } from '../../lib/record-schemas';
import { QueryBoolean, StorableText, Timestamp, Uuid } from '../../lib/schemas';

const Label = v.pipe(StorableText, v.trim(), v.minLength(1), v.maxLength(100));

export const CreateBody = v.pipe(
  v.strictObject({
    hubId: Uuid,
    kind: v.picklist(deviceKind.enumValues),
    room: v.optional(v.nullable(Label)),
    label: v.optional(v.nullable(Label)),
  }),
  v.metadata({ example: { hubId: '2c3d4e5f-6a7b-4c8d-9e0f-1a2b3c4d5e6f', kind: 'door', room: 'entrance' } }),
);

export const UpdateBody = v.pipe(
  v.strictObject({
    room: v.optional(v.nullable(Label)),
    label: v.optional(v.nullable(Label)),
    needsInspection: v.optional(
      v.pipe(v.boolean(), v.description('false = inspected: also resets the false-alarm count')),
    ),
  }),
  v.check((body) => Object.keys(body).length > 0, 'send at least one field to change'),
);

export const ListQuery = v.object({
  ...pageQueryFields(['createdAt'] as const),
  hubId: v.optional(Uuid),
  kind: v.optional(v.picklist(deviceKind.enumValues)),
  needsInspection: v.optional(QueryBoolean),
});

/** A device as the API answers it. */
export const { Item, Page } = recordSchemas('Device', {
  hubId: Uuid,
  kind: v.picklist(deviceKind.enumValues),
  room: v.nullable(v.string()),
  label: v.nullable(v.string()),
  batteryPct: v.nullable(v.number()),
  falseAlarmCount: v.number(),
  needsInspection: v.boolean(),
  lastEventAt: v.nullable(Timestamp),
});
