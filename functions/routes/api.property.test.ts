import fc from 'fast-check';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ApiHarness, startApiHarness } from '../../infra/testing/api-harness';
import { createApp } from '../app';
import type { AppEnv } from '../lib/context';
import {
  arbitraryFor,
  encodeComponent,
  type JsonSchema,
  type KnownIds,
  parameterFor,
  toJsonText,
} from '../openapi-arbitraries';

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  schema: JsonSchema;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema?: JsonSchema }> };
  security?: Record<string, string[]>[];
}

/** Cases per operation: bounded in `npm test`; `FUZZ=1` (or a number) runs many more. */
const FUZZ = process.env.FUZZ;
const RUNS = FUZZ ? Math.max(Number(FUZZ) || 0, 300) : 10;

// The operations come from the OpenAPI document the app serves, generated from the schemas that validate requests,
// so a new route is fuzzed without anyone listing it.
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const documentResponse = await createApp().request('/openapi.json', {}, {
  services: { logger: silent },
} as unknown as AppEnv['Bindings']);
const spec = (await documentResponse.json()) as { paths: Record<string, Record<string, Operation>> };
const operations = Object.entries(spec.paths).flatMap(([path, methods]) =>
  Object.entries(methods).map(([method, operation]) => ({
    name: `${method.toUpperCase()} ${path}`,
    method: method.toUpperCase(),
    path,
    operation,
  })),
);

const STACK_TRACE = /\bat .+\.(ts|js|mjs|cjs):\d+|node_modules/;

describe('property: no input makes any API operation answer 5xx or leak a stack trace (real server, real PostgreSQL)', () => {
  let h: ApiHarness;
  let admin: string;
  let hubKey: string;
  const known: KnownIds = { ids: [] };
  beforeAll(async () => {
    h = await startApiHarness();
    admin = await h.tokenFor('own', 'admin');
    hubKey = h.orgs.own.hubs[0]?.apiKey ?? '';
    const plain = postgres(h.database.url, { max: 1, onnotice: () => {} });
    try {
      const own = h.orgs.own;
      const [assignment] = await plain<{ id: string; staff_id: string; resident_id: string }[]>`
        select a.id, a.staff_id, a.resident_id from assignments a
          join cameras c on c.resident_id = a.resident_id
         where c.id = ${own.cameraId} limit 1`;
      const grant = await h.request<{ id: string }>('POST', `/v1/cameras/${own.cameraId}/grants`, {
        token: admin,
        body: { staffId: assignment?.staff_id, reason: 'fuzzing' },
      });
      known.ids.push(
        ...own.residents.map((resident) => resident.id),
        ...own.hubs.flatMap((hub) => [hub.id, ...Object.values(hub.devices)]),
        own.cameraId,
        ...own.logins.filter((login) => login.role !== 'admin').map((login) => login.staffId),
        assignment?.id ?? '',
        grant.body.id,
        h.orgs.other.residents[0]?.id ?? '',
      );
      known.ids = known.ids.filter(Boolean);
    } finally {
      await plain.end();
    }
  });
  afterAll(() => h.stop());

  test('the OpenAPI document lists the operations fuzzed here', () => {
    expect(operations.length).toBeGreaterThan(40);
  });

  test.each(operations)('$name', async ({ method, path, operation }) => {
    const parameters = operation.parameters ?? [];
    const inPath = parameters.filter((parameter) => parameter.in === 'path');
    const inQuery = parameters.filter((parameter) => parameter.in === 'query');
    const bodySchema = operation.requestBody?.content?.['application/json']?.schema;
    const security = Object.keys(operation.security?.[0] ?? {})[0];
    const input = fc.record({
      path: fc.record(Object.fromEntries(inPath.map((p) => [p.name, parameterFor(p.schema, known)]))),
      query: fc.record(Object.fromEntries(inQuery.map((p) => [p.name, parameterFor(p.schema, known)])), {
        requiredKeys: [],
      }),
      body: bodySchema
        ? fc.oneof({ arbitrary: arbitraryFor(bodySchema, known), weight: 9 }, fc.jsonValue())
        : fc.constant(undefined),
    });
    await fc.assert(
      fc.asyncProperty(input, async ({ path: pathValues, query, body }) => {
        let url = path;
        for (const [name, value] of Object.entries(pathValues)) url = url.replace(`{${name}}`, encodeComponent(value));
        const search = Object.entries(query)
          .map(([name, value]) => `${encodeComponent(name)}=${encodeComponent(String(value))}`)
          .join('&');
        const token = security === 'bearerAuth' ? admin : security === 'hubKey' ? hubKey : undefined;
        const response = await fetch(`${h.baseUrl}${url}${search ? `?${search}` : ''}`, {
          method,
          headers: {
            ...(token ? { authorization: `Bearer ${token}` } : {}),
            ...(body === undefined ? {} : { 'content-type': 'application/json' }),
          },
          body: body === undefined ? undefined : toJsonText(body),
        });
        const text = await response.text();
        const summary = `${method} ${url}?${search} → ${response.status} ${text.slice(0, 300)}`;
        expect(response.status, summary).toBeLessThan(500);
        expect(text, summary).not.toMatch(STACK_TRACE);
        if (response.status >= 400) {
          expect(response.headers.get('content-type'), summary).toBe('application/problem+json');
          expect((JSON.parse(text) as { status: number }).status, summary).toBe(response.status);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
