import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestFunctions } from '../../../infra/testing/functions';

describe('functions health and error envelope (Node server, real PostgreSQL)', () => {
  let harness: Awaited<ReturnType<typeof startTestFunctions>>;
  beforeAll(async () => {
    harness = await startTestFunctions();
  });
  afterAll(() => harness.stop());

  test('GET /healthz reports the database for real', async () => {
    const response = await fetch(`${harness.server.url}/healthz`);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ status: 'ok', database: { ok: true }, cache: { kind: 'memory', ok: true } });
    expect(response.headers.get('x-request-id')).toBeTruthy();
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  test('an unknown route is a problem+json 404 carrying the request id', async () => {
    const response = await fetch(`${harness.server.url}/v1/nothing-here`, { headers: { 'x-request-id': 'req-123' } });
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.headers.get('x-frame-options')).toBe('SAMEORIGIN');
    expect(response.headers.get('strict-transport-security')).toContain('max-age=');
    expect(await response.json()).toMatchObject({
      status: 404,
      code: 'NOT_FOUND',
      title: 'Not found',
      instance: '/v1/nothing-here',
      requestId: 'req-123',
    });
  });

  test('GET /healthz answers 503 when the database is unreachable', async () => {
    const { startFunctions } = await import('../../node');
    const { testConfig } = await import('../../../infra/testing/functions');
    const down = await startFunctions(testConfig('postgres://nobody:wrong@127.0.0.1:1/none'));
    try {
      const response = await fetch(`${down.url}/healthz`);
      expect(response.status).toBe(503);
      expect(await response.json()).toMatchObject({ status: 'down', database: { ok: false } });
    } finally {
      await down.close();
    }
  });
});
