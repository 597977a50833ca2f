import * as v from 'valibot';
import { hubPowerState } from '../../../db/schema';
import { pageQueryFields } from '../../lib/pagination';
import { recordSchemas } from '../../lib/record-schemas';
import { Name, Timestamp, Uuid } from '../../lib/schemas';

export const CreateBody = v.pipe(
  v.strictObject({ name: Name, residentId: v.optional(v.nullable(Uuid)) }),
  v.metadata({ example: { name: 'Hub at 상계로 10길', residentId: '9d7a1b2c-3e4f-4a5b-8c6d-7e8f9a0b1c2d' } }),
);

export const UpdateBody = v.pipe(
  v.strictObject({ name: v.optional(Name), residentId: v.optional(v.nullable(Uuid)) }),
  v.check((body) => Object.keys(body).length > 0, 'send at least one field to change'),
);

export const ListQuery = v.object({
  ...pageQueryFields(['name', 'createdAt'] as const),
  residentId: v.optional(Uuid),
});

/** A hub as the API answers it. */
export const { Item, Page } = recordSchemas('Hub', {
  residentId: v.nullable(Uuid),
  name: v.string(),
  apiKeyPrefix: v.pipe(v.string(), v.description('First characters of the key, to tell keys apart')),
  lastSeenAt: v.nullable(Timestamp),
  firmware: v.nullable(v.string()),
  powerState: v.picklist(hubPowerState.enumValues),
  batteryPct: v.nullable(v.number()),
});

export const HubWithKeySchema = v.pipe(
  v.object({
    hub: Item,
    apiKey: v.pipe(
      v.string(),
      v.description('Shown once: only its hash is stored. The hub sends it as a bearer token.'),
    ),
  }),
  v.metadata({ ref: 'HubWithKey' }),
);
