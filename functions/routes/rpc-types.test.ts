import { hc, type InferRequestType, type InferResponseType } from 'hono/client';
import { describe, expectTypeOf, test } from 'vitest';
import type { AlertRecord } from '../../db/alerts/snapshot';
import type { AppType } from '../app';

// Compile-time checks (tsc reads this file): the chained routes keep their inputs and answers in AppType.
const client = hc<AppType>('http://localhost');

describe('typed Hono RPC client (AppType)', () => {
  test('knows a resource’s list, get and create: query, path and body in, each answer out', () => {
    type HubPage = InferResponseType<typeof client.v1.hubs.$get, 200>;
    expectTypeOf<HubPage['nextCursor']>().toEqualTypeOf<string | null>();
    expectTypeOf<HubPage['items'][number]['name']>().toEqualTypeOf<string>();
    expectTypeOf<HubPage['items'][number]>().not.toHaveProperty('apiKeyHash');
    expectTypeOf<InferRequestType<typeof client.v1.hubs.$get>['query']>().toHaveProperty('residentId');
    expectTypeOf<InferRequestType<(typeof client.v1.hubs)[':id']['$get']>['param']>().toEqualTypeOf<{ id: string }>();
    type Registered = InferResponseType<typeof client.v1.hubs.$post, 201>;
    expectTypeOf<Registered['apiKey']>().toEqualTypeOf<string>();
    expectTypeOf<InferRequestType<typeof client.v1.hubs.$post>['json']>().toHaveProperty('name');
  });

  test('knows nested and moved routes: camera grants, ingest, analytics', () => {
    type Grants = InferResponseType<(typeof client.v1.cameras)[':id']['grants']['$get'], 200>;
    expectTypeOf<Grants['items'][number]['active']>().toEqualTypeOf<boolean>();
    type Ingested = InferResponseType<typeof client.v1.ingest.events.$post, 200>;
    expectTypeOf<Ingested>().toHaveProperty('results');
    type Timeline = InferResponseType<(typeof client.v1.residents)[':id']['timeline']['$get'], 200>;
    expectTypeOf<Timeline['residentId']>().toEqualTypeOf<string>();
  });

  test('answers an alert as the AlertRecord of db/alerts/snapshot.ts', () => {
    type OneAlert = InferResponseType<(typeof client.v1.alerts)[':id']['$get'], 200>;
    expectTypeOf<OneAlert>().toMatchTypeOf<AlertRecord>();
  });
});
