import * as v from 'valibot';
import { pageSchema } from './pagination';
import { Timestamp, Uuid } from './schemas';

/**
 * One record of an organisation's table as the API answers it — `id` and `orgId` first, then `fields`, then
 * `createdAt` and `updatedAt` — named `ref` in the OpenAPI document, and a page of them (`{ref}Page`): the `Item` and
 * `Page` a resource's schemas module exports for `resourceRoutes`.
 */
export function recordSchemas<const Fields extends v.ObjectEntries>(ref: string, fields: Fields) {
  const Item = v.pipe(
    v.object({ id: Uuid, orgId: Uuid, ...fields, createdAt: Timestamp, updatedAt: Timestamp }),
    v.metadata({ ref }),
  );
  return { Item, Page: pageSchema(Item, `${ref}Page`) };
}
