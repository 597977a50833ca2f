import { jsonResponse } from '../../lib/openapi';
import { managersOnly } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import { IdParam } from '../../lib/schemas';
import { validate } from '../../lib/validate';
import {
  CreateHubBody,
  HubPageSchema,
  HubSchema,
  HubWithKeySchema,
  ListHubsQuery,
  UpdateHubBody,
} from './hubs.schemas';

const hubs = resourceRoutes('hubs', managersOnly);

export const list = hubs.list({ summary: 'List hubs', what: 'hubs', page: HubPageSchema, query: ListHubsQuery });

export const get = hubs.get({ summary: 'One hub', what: 'hub', item: HubSchema });

export const create = hubs.create({
  summary: 'Register a hub',
  description: 'Returns the hub and its API key. The key is shown this once; only its SHA-256 is stored.',
  created: { 201: jsonResponse('Registered', HubWithKeySchema) },
  body: CreateHubBody,
});

export const update = hubs.update({
  summary: 'Rename a hub or move it to another resident',
  item: HubSchema,
  body: UpdateHubBody,
});

export const rotateKey = hubs.operation(
  {
    summary: 'Rotate the API key of a hub',
    description: 'The old key stops working at once; the new key is shown this once. Audited.',
    responses: { 200: jsonResponse('New key', HubWithKeySchema) },
    errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
  },
  validate('param', IdParam),
);

export const remove = hubs.remove({
  summary: 'Remove a hub and its devices',
  description: 'Its key stops working; recorded sensor events and alerts stay.',
});
