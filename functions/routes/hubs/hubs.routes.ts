import { jsonResponse } from '../../lib/openapi';
import { managersOnly } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import { IdParam } from '../../lib/schemas';
import { validate } from '../../lib/validate';
import * as schemas from './hubs.schemas';

const hubs = resourceRoutes({ tag: 'hubs', one: 'hub', many: 'hubs', guard: managersOnly });

export const list = hubs.list({ page: schemas.HubPageSchema, query: schemas.ListHubsQuery });

export const get = hubs.get({ item: schemas.HubSchema });

export const create = hubs.create({
  summary: 'Register a hub',
  description: 'Returns the hub and its API key. The key is shown this once; only its SHA-256 is stored.',
  created: { 201: jsonResponse('Registered', schemas.HubWithKeySchema) },
  body: schemas.CreateHubBody,
});

export const update = hubs.update({
  summary: 'Rename a hub or move it to another resident',
  item: schemas.HubSchema,
  body: schemas.UpdateHubBody,
});

export const rotateKey = hubs.operation(
  {
    summary: 'Rotate the API key of a hub',
    description: 'The old key stops working at once; the new key is shown this once. Audited.',
    responses: { 200: jsonResponse('New key', schemas.HubWithKeySchema) },
    errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
  },
  validate('param', IdParam),
);

export const remove = hubs.remove({
  summary: 'Remove a hub and its devices',
  description: 'Its key stops working; recorded sensor events and alerts stay.',
});
