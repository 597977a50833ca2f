import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ApiHarness, startApiHarness } from '../../../infra/testing/api-harness';
import { launchChromium } from '../../../infra/testing/browser';
import { createApp } from '../../app';

interface Operation {
  summary?: string;
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
}
interface Spec {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
}

const publicOperations = new Set([
  'post /v1/auth/login',
  'post /v1/auth/refresh',
  'get /healthz',
  // The service worker calls these with a notification's token (or the old subscription's secret); an integration
  // with its signature.
  'get /v1/push/config',
  'post /v1/push/receipts',
  'post /v1/push/acks',
  'post /v1/push/subscription-changes',
  'post /v1/integrations/callbacks',
]);
/** Called by sensor hubs with their API key, not by staff. */
const hubOperations = new Set(['post /v1/ingest/events']);

describe('OpenAPI document and /docs UI', () => {
  let h: ApiHarness;
  let spec: Spec;
  beforeAll(async () => {
    h = await startApiHarness();
    spec = (await h.request<Spec>('GET', '/openapi.json')).body;
  });
  afterAll(() => h.stop());

  test('is OpenAPI 3.1 with the bearer scheme and every route of the app', () => {
    expect(spec.openapi).toBe('3.1.0');
    expect(spec.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(spec.components.securitySchemes.hubKey).toMatchObject({ type: 'http', scheme: 'bearer' });
    const routes = createApp()
      .routes.filter(
        (route) => route.method !== 'ALL' && !route.path.startsWith('/docs') && route.path !== '/openapi.json',
      )
      .map((route) => `${route.method.toLowerCase()} ${route.path.replace(/:(\w+)/g, '{$1}')}`);
    const documented = Object.entries(spec.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method} ${path}`),
    );
    expect(new Set(routes).size).toBeGreaterThan(35);
    for (const route of new Set(routes)) expect(documented).toContain(route);
  });

  test('every operation documents its success, its errors as problem+json, and its auth', () => {
    for (const [path, item] of Object.entries(spec.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        const key = `${method} ${path}`;
        expect(operation.summary, key).toBeTruthy();
        const statuses = Object.keys(operation.responses);
        expect(
          statuses.some((status) => status.startsWith('2')),
          key,
        ).toBe(true);
        expect(statuses, key).toContain('500');
        if (hubOperations.has(key)) {
          expect(operation.security, key).toEqual([{ hubKey: [] }]);
          expect(statuses, key).toEqual(expect.arrayContaining(['400', '401', '413', '415', '422', '429']));
        } else if (!publicOperations.has(key)) {
          expect(operation.security, key).toEqual([{ bearerAuth: [] }]);
          expect(statuses, key).toEqual(expect.arrayContaining(['401', '403']));
        }
        if (path.includes('{id}')) expect(statuses, key).toEqual(expect.arrayContaining(['404', '422']));
        const problem = operation.responses['500']?.content?.['application/problem+json'];
        expect(problem?.schema, key).toEqual({ $ref: '#/components/schemas/Problem' });
      }
    }
  });

  test('the call CareWatch makes to integrations is documented as an OpenAPI 3.1 webhook, with its schema', () => {
    const document = spec as unknown as {
      webhooks: Record<string, { post: { requestBody: { content: Record<string, { schema: { $ref: string } }> } } }>;
      components: { schemas: Record<string, { properties: Record<string, unknown>; required: string[] }> };
    };
    const body = document.webhooks.alertNotification?.post.requestBody.content['application/json']?.schema;
    expect(body).toEqual({ $ref: '#/components/schemas/AlertNotification' });
    const schema = document.components.schemas.AlertNotification;
    expect(Object.keys(schema?.properties ?? {}).sort()).toEqual(
      ['alert', 'attemptId', 'callbackUrl', 'resident', 'sentAt', 'staff', 'text', 'try', 'type'].sort(),
    );
    expect(JSON.stringify(spec.paths['/v1/integrations/callbacks']?.post)).toContain('CareWatch-Signature');
  });

  test('request bodies and examples come from the valibot schemas', () => {
    const create = spec.paths['/v1/residents']?.post;
    const body = create?.requestBody?.content['application/json']?.schema as {
      properties: Record<string, unknown>;
      required: string[];
      additionalProperties?: unknown;
      example?: unknown;
    };
    expect(Object.keys(body.properties)).toEqual(expect.arrayContaining(['name', 'birthDate', 'emergencyContacts']));
    expect(body.required).toEqual(['name']);
    expect(body.example).toMatchObject({ name: '김순자' });
    const login = spec.paths['/v1/auth/login']?.post;
    expect(login?.responses['200']?.content?.['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/Session',
    });
    expect(spec.components.schemas.ResidentProfile).toBeTruthy();
    const profile = spec.components.schemas.ResidentProfile as { properties: Record<string, unknown> };
    expect(Object.keys(profile.properties)).toEqual(expect.arrayContaining(['openAlerts', 'cameras']));
    const ingest = spec.paths['/v1/ingest/events']?.post;
    expect(ingest?.requestBody?.content['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/IngestBatch',
    });
    expect(ingest?.responses['200']?.content?.['application/json']?.schema).toEqual({
      $ref: '#/components/schemas/IngestResult',
    });
    for (const [path, ref] of [
      ['/v1/residents/{id}/timeline', 'ResidentTimeline'],
      ['/v1/residents/{id}/activity', 'ResidentActivity'],
      ['/v1/analytics/at-risk', 'AtRisk'],
    ] as const) {
      expect(spec.paths[path]?.get?.responses['200']?.content?.['application/json']?.schema, path).toEqual({
        $ref: `#/components/schemas/${ref}`,
      });
    }
  });

  test('/docs renders Swagger UI from our own assets, offline, and a screenshot is saved', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage({ viewport: { width: 1280, height: 1600 } });
      const requested: string[] = [];
      page.on('request', (request) => requested.push(request.url()));
      await page.goto(`${h.baseUrl}/docs`);
      await page.waitForSelector('.opblock', { timeout: 20_000 });
      const operations = await page.locator('.opblock').count();
      expect(operations).toBeGreaterThan(35);
      await expect(page.locator('.info .title').first().textContent()).resolves.toContain('CareWatch API');
      await mkdir('test-results', { recursive: true });
      await page.screenshot({ path: 'test-results/docs.png' });
      for (const url of requested) expect(url.startsWith(h.baseUrl) || url.startsWith('data:'), url).toBe(true);
    } finally {
      await browser.close();
    }
  });
});
