import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type ApiHarness, startApiHarness } from '../../infra/testing/api-harness';

interface ProblemBody {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  requestId: string;
  instance: string;
  errors?: { field: string; message: string }[];
}

describe('bad input answers problem+json with per-field errors and the request id', () => {
  let h: ApiHarness;
  let admin: string;
  beforeAll(async () => {
    h = await startApiHarness({ CORS_ORIGINS: 'https://app.carewatch.test, https://staging.carewatch.test' });
    admin = await h.tokenFor('own', 'admin');
  });
  afterAll(() => h.stop());

  const expectProblem = (
    response: { status: number; headers: Headers; body: unknown },
    status: number,
    code: string,
  ) => {
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    const body = response.body as ProblemBody;
    expect(body).toMatchObject({ status, code });
    expect(body.requestId).toBe(response.headers.get('x-request-id'));
    expect(JSON.stringify(body)).not.toMatch(/\bat .+\.(ts|js):\d+/);
    return body;
  };

  test('every bad body field is listed with its path', async () => {
    const response = await h.request('POST', '/v1/residents', {
      token: admin,
      body: {
        name: '  ',
        birthDate: '1940-13-45',
        sex: 'robot',
        emergencyContacts: [{ name: 'A', relation: 'son', phone: 'not a phone' }],
        thresholds: { heartRate: { min: 100, max: 60 } },
      },
    });
    const body = expectProblem(response, 422, 'VALIDATION_FAILED');
    const fields = body.errors?.map((error) => error.field).sort();
    expect(fields).toEqual([
      'body.birthDate',
      'body.emergencyContacts.0.phone',
      'body.name',
      'body.sex',
      'body.thresholds.heartRate',
    ]);
    expect(body.errors?.find((error) => error.field === 'body.name')?.message).toBe('must not be empty');
  });

  test('unknown body fields are rejected, naming the field', async () => {
    const response = await h.request('POST', '/v1/hubs', { token: admin, body: { name: 'Hub', apiKeyHash: 'mine' } });
    const body = expectProblem(response, 422, 'VALIDATION_FAILED');
    expect(body.errors).toEqual([{ field: 'body.apiKeyHash', message: 'is not a known field' }]);
  });

  test('path and query parameters are validated', async () => {
    const badId = await h.request('GET', '/v1/residents/not-a-uuid', { token: admin });
    expect(expectProblem(badId, 422, 'VALIDATION_FAILED').errors).toEqual([
      { field: 'path.id', message: 'must be a UUID' },
    ]);
    const badQuery = await h.request('GET', '/v1/staff?limit=1000&sort=password&role=boss', { token: admin });
    const fields = expectProblem(badQuery, 422, 'VALIDATION_FAILED')
      .errors?.map((error) => error.field)
      .sort();
    expect(fields).toEqual(['query.limit', 'query.role', 'query.sort']);
    const badCursor = await h.request('GET', '/v1/residents?cursor=%%%', { token: admin });
    expect(expectProblem(badCursor, 422, 'VALIDATION_FAILED').errors?.[0]?.field).toBe('query.cursor');
  });

  test('a body that is not JSON is a 400, not a crash', async () => {
    const response = await h.request('POST', '/v1/residents', { token: admin, body: '{"name": "unterminated' });
    expectProblem(response, 400, 'BAD_REQUEST');
    const login = await h.request('POST', '/v1/auth/login', {
      body: 'email=a&password=b',
      headers: { 'content-type': 'text/plain' },
    });
    // A body that is not declared JSON is not read: it is as if no field was sent, and each is named.
    const fields = expectProblem(login, 422, 'VALIDATION_FAILED').errors?.map((error) => error.field);
    expect(fields).toEqual(['body.email', 'body.password']);
  });

  test('bodies over 64 KiB are refused with 413', async () => {
    const response = await h.request('POST', '/v1/residents', {
      token: admin,
      body: { name: 'Big', careNotes: 'x'.repeat(70 * 1024) },
    });
    expectProblem(response, 413, 'PAYLOAD_TOO_LARGE');
  });

  test('an empty PATCH is a validation error; an unknown id is a 404', async () => {
    const id = h.orgs.own.residents[0]?.id;
    const empty = await h.request('PATCH', `/v1/residents/${id}`, { token: admin, body: {} });
    expectProblem(empty, 422, 'VALIDATION_FAILED');
    const missing = await h.request('PATCH', '/v1/residents/00000000-0000-4000-8000-000000000000', {
      token: admin,
      body: { careNotes: 'x' },
    });
    expectProblem(missing, 404, 'NOT_FOUND');
  });

  test('conflicts are 409: duplicate staff email, deactivating yourself', async () => {
    const existing = h.loginOf('own', 'caregiver');
    const duplicate = await h.request('POST', '/v1/staff', {
      token: admin,
      body: { name: 'Dup', email: existing.email, role: 'caregiver', password: 'twelve chars ok' },
    });
    expectProblem(duplicate, 409, 'CONFLICT');
    const self = await h.request('DELETE', `/v1/staff/${h.loginOf('own', 'admin').staffId}`, { token: admin });
    expectProblem(self, 409, 'CONFLICT');
  });

  test('a short password and a bad camera source are explained', async () => {
    const staff = await h.request('POST', '/v1/staff', {
      token: admin,
      body: { name: 'Short', email: 'short@north.carewatch.test', role: 'caregiver', password: 'short' },
    });
    expect(expectProblem(staff, 422, 'VALIDATION_FAILED').errors).toEqual([
      { field: 'body.password', message: 'must be at least 12 characters' },
    ]);
    const camera = await h.request('POST', '/v1/cameras', {
      token: admin,
      body: { residentId: h.orgs.own.residents[0]?.id, name: 'Cam', source: { type: 'rtsp', url: 'x' } },
    });
    expect(expectProblem(camera, 422, 'VALIDATION_FAILED').errors?.[0]?.field).toBe('body.source.type');
  });

  test('CORS answers the configured app origins only, with credentials, and exposes the request id', async () => {
    const preflight = await h.request('OPTIONS', '/v1/residents', {
      headers: {
        origin: 'https://app.carewatch.test',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.carewatch.test');
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    const read = await h.request('GET', '/healthz', { headers: { origin: 'https://staging.carewatch.test' } });
    expect(read.headers.get('access-control-allow-origin')).toBe('https://staging.carewatch.test');
    expect(read.headers.get('access-control-expose-headers')).toContain('x-request-id');
    const stranger = await h.request('GET', '/healthz', { headers: { origin: 'https://evil.example' } });
    expect(stranger.headers.get('access-control-allow-origin')).toBeNull();
  });
});
