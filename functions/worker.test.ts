import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { S3MediaStore } from '../core/media/s3-store';
import { createTestDatabase, type TestDatabase } from '../db/testing/database';
import { type SeededOrganisation, seedDemoOrganisation } from '../infra/demo-organisation';
import { startTestBridge } from '../infra/redis-rest-bridge/testing';
import { giveEventMediaConsent, insertAlert, storeMedia, testJpeg } from '../infra/testing/alert-media';
import { TEST_JWT_SECRET } from '../infra/testing/functions';
import { S3_TEST_CREDENTIALS, startS3Service } from '../infra/testing/s3-service';
import { buildWorker } from '../infra/worker/build';

/** The edge build: functions/worker.ts bundled and run inside workerd (miniflare) against the real PostgreSQL. */
describe('the API inside workerd (miniflare) against real PostgreSQL and the Upstash bridge', () => {
  let mf: Miniflare;
  let database: TestDatabase;
  let bridge: Awaited<ReturnType<typeof startTestBridge>>;
  let outDir: string;
  let own: SeededOrganisation;
  let token: string;

  const call = async <T = Record<string, unknown>>(method: string, path: string, body?: unknown, auth = token) => {
    const headers: Record<string, string> = {};
    if (auth) headers.authorization = `Bearer ${auth}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const response = await mf.dispatchFetch(`http://carewatch.test${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: (text && (response.headers.get('content-type') ?? '').includes('json') ? JSON.parse(text) : text) as T,
    };
  };

  beforeAll(async () => {
    // Inside the project: workerd resolves module paths relative to the working directory and refuses `..`.
    await mkdir('.wrangler', { recursive: true });
    outDir = await mkdtemp(join('.wrangler', 'test-worker-'));
    const scriptPath = join(outDir, 'worker.js');
    [database, bridge] = await Promise.all([createTestDatabase(), startTestBridge(), buildWorker(scriptPath)]).then(
      ([db, br]) => [db, br] as const,
    );
    // The login-failure counters live in the machine's Redis across runs: emails of this run only.
    const run = crypto.randomUUID().slice(0, 8);
    own = await seedDemoOrganisation(database.db, { orgName: 'Edge North', slug: `edge-north-${run}`, residents: 2 });
    await seedDemoOrganisation(database.db, { orgName: 'Edge South', slug: `edge-south-${run}`, residents: 1 });
    mf = new Miniflare({
      modules: true,
      scriptPath,
      compatibilityDate: '2026-04-01',
      compatibilityFlags: ['nodejs_compat'],
      bindings: {
        DATABASE_URL: database.url,
        JWT_SECRET: TEST_JWT_SECRET,
        LOG_LEVEL: 'error',
        UPSTASH_REDIS_REST_URL: bridge.url,
        UPSTASH_REDIS_REST_TOKEN: bridge.token,
      },
    });
    await mf.ready;
    const admin = own.logins.find((login) => login.role === 'admin');
    const login = await call<{ accessToken: string }>(
      'POST',
      '/v1/auth/login',
      { email: admin?.email, password: admin?.password },
      '',
    );
    expect(login.status).toBe(200);
    token = login.body.accessToken;
  }, 120_000);

  afterAll(async () => {
    await mf?.dispose();
    await bridge?.close();
    await database?.drop();
    await rm(outDir, { recursive: true, force: true });
  });

  test('health: database reached over cloudflare:sockets, cache is Upstash', async () => {
    const health = await call('GET', '/healthz', undefined, '');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({ status: 'ok', database: { ok: true }, cache: { kind: 'upstash', ok: true } });
  });

  test('auth: login issued a token that reads /v1/me; refresh rotates; bad password is 401', async () => {
    const me = await call('GET', '/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ role: 'admin', orgId: own.orgId });
    const carer = own.logins.find((login) => login.role === 'caregiver');
    const session = await call<{ refreshToken: string }>(
      'POST',
      '/v1/auth/login',
      { email: carer?.email, password: carer?.password },
      '',
    );
    const refreshed = await call<{ refreshToken: string }>(
      'POST',
      '/v1/auth/refresh',
      { refreshToken: session.body.refreshToken },
      '',
    );
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.refreshToken).not.toBe(session.body.refreshToken);
    const bad = await call('POST', '/v1/auth/login', { email: carer?.email, password: 'wrong password' }, '');
    expect(bad.status).toBe(401);
    expect(await call('GET', '/v1/me', undefined, '')).toMatchObject({ status: 401 });
  });

  test('residents end to end: register, profile, update, discharge, erase', async () => {
    const created = await call<{ id: string }>('POST', '/v1/residents', { name: '엣지 테스트', sex: 'female' });
    expect(created.status).toBe(201);
    const id = created.body.id;
    const listed = await call<{ items: { id: string }[] }>('GET', '/v1/residents?q=엣지');
    expect(listed.body.items.map((item) => item.id)).toEqual([id]);
    expect((await call('GET', `/v1/residents/${id}`)).body).toMatchObject({ id, assignedStaff: [], openAlerts: [] });
    const patched = await call('PATCH', `/v1/residents/${id}`, { careNotes: 'edge' });
    expect(patched.body).toMatchObject({ careNotes: 'edge' });
    const discharged = await call('POST', `/v1/residents/${id}/discharge`);
    expect(discharged.body).toMatchObject({ status: 'discharged' });
    const erased = await call('DELETE', `/v1/residents/${id}`);
    expect(erased.body).toEqual({ erased: true, sensorEventsDeleted: 0 });
    expect((await call('GET', `/v1/residents/${id}`)).status).toBe(404);
  });

  test('validation errors are problem+json with per-field messages', async () => {
    const response = await call<{ code: string; errors: { field: string }[] }>('POST', '/v1/residents', {
      name: '',
      unknown: true,
    });
    expect(response.status).toBe(422);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.body.errors.map((error) => error.field).sort()).toEqual(['body.name', 'body.unknown']);
  });

  test('cache: profile miss then hit through Upstash, invalidated by a write', async () => {
    const id = own.residents[0]?.id ?? '';
    expect((await call('GET', `/v1/residents/${id}`)).headers.get('x-cache')).toBe('miss');
    expect((await call('GET', `/v1/residents/${id}`)).headers.get('x-cache')).toBe('hit');
    await call('PATCH', `/v1/residents/${id}`, { phone: '010-8080-9090' });
    const after = await call<{ phone: string }>('GET', `/v1/residents/${id}`);
    expect(after.headers.get('x-cache')).toBe('miss');
    expect(after.body.phone).toBe('010-8080-9090');
  });

  test('another organisation’s resident is a 404 on the edge too', async () => {
    const [row] = await database.sql`select id from residents where org_id <> ${own.orgId} limit 1`;
    expect((await call('GET', `/v1/residents/${row?.id}`)).status).toBe(404);
  });

  test('/openapi.json and the /docs UI assets are served by the worker itself', async () => {
    const spec = await call<{ openapi: string }>('GET', '/openapi.json', undefined, '');
    expect(spec.body.openapi).toBe('3.1.0');
    const css = await call<string>('GET', '/docs/assets/swagger-ui.css', undefined, '');
    expect(css.status).toBe(200);
    expect(css.headers.get('content-type')).toContain('text/css');
    expect(css.body).toContain('.swagger-ui');
    const bundle = await call<string>('GET', '/docs/assets/swagger-ui-bundle.js', undefined, '');
    expect(bundle.body).toContain('SwaggerUIBundle');
  });

  test('the Cron Trigger runs the functions jobs: a hub silent past its limit raises hub_offline', async () => {
    const [hub] = await database.sql<{ id: string; residentId: string }[]>`
      update hubs set last_seen_at = now() - interval '2 hours'
       where id = (select id from hubs where org_id = ${own.orgId} and resident_id is not null limit 1)
      returning id, resident_id as "residentId"`;
    // Typed loosely here: without @cloudflare/workers-types miniflare's Fetcher type lacks `scheduled`.
    const worker = (await mf.getWorker()) as unknown as { scheduled(options: { cron: string }): Promise<unknown> };
    await worker.scheduled({ cron: '* * * * *' });
    const alerts = await database.sql`
      select kind, status from alerts where resident_id = ${hub?.residentId ?? ''} and kind = 'hub_offline'`;
    expect(alerts).toEqual([{ kind: 'hub_offline', status: 'open' }]);
  });
  test('alert media without an S3 bucket configured: 503 problem+json (an isolate cannot read a folder)', async () => {
    const response = await call<{ code: string; detail: string }>(
      'GET',
      '/v1/alerts/00000000-0000-4000-8000-000000000000/snapshot',
    );
    expect(response.status).toBe(503);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(response.body).toMatchObject({
      code: 'UNAVAILABLE',
      detail: 'media storage is not configured for this runtime',
    });
  });

  test('alert media with MEDIA_STORE=s3: the snapshot and a clip range come from the bucket, SigV4-signed', async () => {
    const s3 = await startS3Service();
    const media = new Miniflare({
      modules: true,
      scriptPath: join(outDir, 'worker.js'),
      compatibilityDate: '2026-04-01',
      compatibilityFlags: ['nodejs_compat'],
      bindings: {
        DATABASE_URL: database.url,
        JWT_SECRET: TEST_JWT_SECRET,
        LOG_LEVEL: 'error',
        MEDIA_STORE: 's3',
        MEDIA_S3_ENDPOINT: s3.endpoint,
        MEDIA_S3_BUCKET: s3.bucket,
        MEDIA_S3_ACCESS_KEY_ID: S3_TEST_CREDENTIALS.accessKeyId,
        MEDIA_S3_SECRET_ACCESS_KEY: S3_TEST_CREDENTIALS.secretAccessKey,
      },
    });
    const residentId = own.residents[0]?.id ?? '';
    // Written by hand without deliveries: deleted again below, so the alert audit at drop never sees it.
    const alertId = await insertAlert(database.sql, { orgId: own.orgId, residentId, status: 'resolved' });
    try {
      const store = new S3MediaStore({
        endpoint: s3.endpoint,
        bucket: s3.bucket,
        region: 'us-east-1',
        ...S3_TEST_CREDENTIALS,
      });
      await giveEventMediaConsent(database.sql, own.cameraId);
      const jpeg = testJpeg();
      const base = { orgId: own.orgId, alertId, residentId, cameraId: own.cameraId };
      await storeMedia(database.sql, store, { ...base, kind: 'snapshot' }, jpeg);
      const clip = new Uint8Array(50_000).map((_, index) => index % 199);
      await storeMedia(database.sql, store, { ...base, kind: 'clip' }, clip);
      const fetchMedia = (path: string, headers: Record<string, string> = {}) =>
        media.dispatchFetch(`http://carewatch.test${path}`, {
          headers: { authorization: `Bearer ${token}`, ...headers },
        });
      const snapshot = await fetchMedia(`/v1/alerts/${alertId}/snapshot`);
      expect(snapshot.status).toBe(200);
      expect(snapshot.headers.get('content-type')).toBe('image/jpeg');
      expect(Buffer.from(await snapshot.arrayBuffer()).equals(Buffer.from(jpeg))).toBe(true);
      const part = await fetchMedia(`/v1/alerts/${alertId}/clip`, { range: 'bytes=1000-1999' });
      expect(part.status).toBe(206);
      expect(part.headers.get('content-range')).toBe('bytes 1000-1999/50000');
      expect(Buffer.from(await part.arrayBuffer()).equals(Buffer.from(clip.slice(1000, 2000)))).toBe(true);
      expect(s3.refused).toBe(0);
    } finally {
      await media.dispose();
      await database.sql`delete from alerts where id = ${alertId}`;
      await s3.close();
    }
  });
});
