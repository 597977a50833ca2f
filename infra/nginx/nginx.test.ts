import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { issueAccessToken } from '../../core/auth/access-token';
import { parseEnv } from '../../core/env';
import { RealtimeEnv } from '../../realtime/env';
import { type RealtimeNode, startRealtimeNode } from '../../realtime/node';
import { seedDemoOrganisation } from '../demo-organisation';
import { startTestFunctions, TEST_JWT_SECRET } from '../testing/functions';
import { attemptWebSocketUpgrade, freePort, request } from '../testing/tls-client';
import { type LocalNginx, startLocalNginx } from './local-nginx';

interface AccessLogLine {
  method: string;
  path: string;
  status: number;
  upstream: string;
  requestId: string;
}

describe('nginx entry point (real nginx in front of the real functions app and realtime node)', () => {
  let functions: Awaited<ReturnType<typeof startTestFunctions>>;
  let realtime: RealtimeNode;
  let nginx: LocalNginx;
  let ports: { http: number; https: number };
  const dir = mkdtempSync(join(tmpdir(), 'carewatch-nginx-'));
  const get = (path: string, headers: Record<string, string> = {}) =>
    request(`${nginx.httpsUrl}${path}`, { headers, caFile: nginx.certificateFile });
  const accessLog = (): AccessLogLine[] =>
    readFileSync(nginx.accessLog, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as AccessLogLine);
  /** nginx writes a request's line when it finalises the request, which can be just after the client has read it. */
  const logLine = async (predicate: (line: AccessLogLine) => boolean): Promise<AccessLogLine | undefined> => {
    for (let waited = 0; waited < 40; waited++) {
      const found = accessLog().find(predicate);
      if (found) return found;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return undefined;
  };

  beforeAll(async () => {
    functions = await startTestFunctions();
    realtime = await startRealtimeNode(
      parseEnv(RealtimeEnv, {
        DATABASE_URL: functions.database.url,
        JWT_SECRET: TEST_JWT_SECRET,
        REALTIME_PORT: '0',
        LOG_LEVEL: 'warn',
      }),
    );
    ports = { http: await freePort(), https: await freePort() };
    nginx = await startLocalNginx({
      dir,
      functionsUpstream: `127.0.0.1:${functions.server.port}`,
      realtimeUpstream: `127.0.0.1:${realtime.port}`,
      httpPort: ports.http,
      httpsPort: ports.https,
    });
  });
  afterAll(async () => {
    await nginx?.stop();
    await realtime?.stop();
    await functions?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('serves HTTPS with the generated dev certificate, verified by a client that trusts only it', async () => {
    const response = await get('/healthz');
    expect(response.peerCommonName).toBe('localhost');
    expect(response.status).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ status: 'ok', service: 'functions' });
    await expect(request(`${nginx.httpsUrl}/healthz`)).rejects.toThrow(/self.signed|certificate/i);
  });

  test('plain HTTP redirects to the same path on HTTPS, query included', async () => {
    const response = await request(`${nginx.httpUrl}/v1/residents?limit=5`);
    expect(response.status).toBe(308);
    expect(response.headers.location).toBe(`https://127.0.0.1:${ports.https}/v1/residents?limit=5`);
  });

  test('proxies health of both services: /healthz to functions, /realtime/healthz to the realtime node', async () => {
    const realtimeHealth = await get('/realtime/healthz');
    expect(realtimeHealth.status).toBe(200);
    expect(JSON.parse(realtimeHealth.body)).toMatchObject({
      status: 'ok',
      service: 'realtime',
      nodeId: realtime.nodeId,
    });
    const functionsLine = await logLine((line) => line.path === '/healthz');
    const realtimeLine = await logLine((line) => line.upstream === `127.0.0.1:${realtime.port}`);
    expect(functionsLine?.upstream).toBe(`127.0.0.1:${functions.server.port}`);
    expect(realtimeLine?.status).toBe(200);
  });

  test("the API's problem+json 404 passes through with the caller's request id and one copy of each header", async () => {
    const response = await get('/v1/nothing-here', { 'x-request-id': 'edge-req-1' });
    expect(response.status).toBe(404);
    expect(response.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(response.body)).toMatchObject({ status: 404, code: 'NOT_FOUND', requestId: 'edge-req-1' });
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['strict-transport-security']).toBe('max-age=31536000');
    expect(response.headers['x-frame-options']).toBe('DENY');
    // The console's policy is not forced onto API answers (the docs UI sets its own needs).
    expect(response.headers['content-security-policy']).toBeUndefined();
  });

  test('serves the staff console with security headers and its modules', async () => {
    const index = await get('/');
    expect(index.status).toBe(200);
    expect(index.headers['content-type']).toMatch(/^text\/html/);
    expect(index.body).toContain('id="app"');
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    expect(index.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(index.headers['x-frame-options']).toBe('DENY');
    expect(index.headers['referrer-policy']).toBe('no-referrer');
    expect(index.headers['cache-control']).toBe('no-cache');
    const script = await get('/assets/main.js');
    expect(script.status).toBe(200);
    expect(script.headers['content-type']).toMatch(/javascript/);
    expect((await get('/assets/not-there.js')).status).toBe(404);
    // The console's tests live beside it and are never served.
    expect((await get('/console.browser.test.ts')).status).toBe(404);
    expect((await get('/pwa.browser.test.ts')).status).toBe(404);
  });

  test('serves the installable console: manifest typed application/manifest+json, the service worker revalidated', async () => {
    const manifest = await get('/manifest.webmanifest');
    expect(manifest.status).toBe(200);
    expect(manifest.headers['content-type']).toBe('application/manifest+json');
    expect(JSON.parse(manifest.body)).toMatchObject({ start_url: './', scope: './', display: 'standalone' });
    expect(manifest.headers['x-content-type-options']).toBe('nosniff');
    const worker = await get('/sw.js');
    expect(worker.status).toBe(200);
    expect(worker.headers['content-type']).toMatch(/javascript/);
    expect(worker.headers['cache-control']).toBe('no-cache');
    // At the console's root the worker's default scope is the whole console: no Service-Worker-Allowed needed.
    expect(worker.headers['service-worker-allowed']).toBeUndefined();
    // The worker runs under the console's policy (its fetches: connect-src 'self').
    expect(worker.headers['content-security-policy']).toContain("default-src 'self'");
    const icon = await get('/icons/icon-512.png');
    expect(icon.status).toBe(200);
    expect(icon.headers['content-type']).toBe('image/png');
  });

  test('a body over the limit is refused by nginx with 413 problem+json; ingest batches may be larger', async () => {
    const big = JSON.stringify({ padding: 'x'.repeat(100 * 1024) });
    const refused = await request(`${nginx.httpsUrl}/v1/auth/refresh`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: big,
      caFile: nginx.certificateFile,
    });
    expect(refused.status).toBe(413);
    expect(refused.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(refused.body)).toMatchObject({ status: 413, code: 'PAYLOAD_TOO_LARGE' });

    const batch = await request(`${nginx.httpsUrl}/v1/ingest/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'big-batch' },
      body: big,
      caFile: nginx.certificateFile,
    });
    const line = await logLine((entry) => entry.requestId === 'big-batch');
    expect(line?.upstream).toBe(`127.0.0.1:${functions.server.port}`);
    expect(batch.status).not.toBe(502);
  });

  test('access log lines carry no token from the query string, Authorization or the WebSocket subprotocol', async () => {
    await get('/v1/nothing-here?access_token=QUERY-SECRET-1', {
      authorization: 'Bearer HEADER-SECRET-2',
      'x-request-id': 'log-check',
    });
    await attemptWebSocketUpgrade(`${nginx.httpsUrl}/ws?token=QUERY-SECRET-3`, ['carewatch.v1', 'bearer.WS-SECRET-4'], {
      caFile: nginx.certificateFile,
    });
    expect(await logLine((line) => line.requestId === 'log-check')).toMatchObject({ path: '/v1/nothing-here' });
    await logLine((line) => line.path === '/ws');
    const log = readFileSync(nginx.accessLog, 'utf8');
    expect(log).toContain('"path":"/v1/nothing-here"');
    expect(log).not.toMatch(/SECRET/);
  });

  test('a WebSocket upgrade on /ws is proxied to the realtime node', async () => {
    // A real staff member: right after the upgrade the node checks the token's staff in the database.
    const seed = await seedDemoOrganisation(functions.database.db, { orgName: 'Edge Centre', slug: 'edge' });
    const caregiver = seed.logins.find((login) => login.role === 'caregiver');
    const { token } = await issueAccessToken(
      { staffId: caregiver?.staffId ?? '', orgId: seed.orgId, role: 'caregiver' },
      TEST_JWT_SECRET,
    );
    const requestId = `ws-${crypto.randomUUID()}`;
    const outcome = await attemptWebSocketUpgrade(`${nginx.httpsUrl}/ws`, ['carewatch.v1', `bearer.${token}`], {
      caFile: nginx.certificateFile,
      headers: { 'x-request-id': requestId },
    });
    const line = await logLine((entry) => entry.requestId === requestId);
    expect(line?.upstream).toBe(`127.0.0.1:${realtime.port}`);
    expect(outcome).toEqual({ upgraded: true, status: 101, protocol: 'carewatch.v1' });
  });

  // Last: it uses up this address's login allowance for a minute.
  test('login is rate limited per address at the edge: 429 problem+json with Retry-After', async () => {
    // The API may refuse repeated failures itself (per account and address); the edge's refusal is the one that
    // never reached it (no upstream in the access log).
    const attempts: { requestId: string; response: Awaited<ReturnType<typeof request>> }[] = [];
    let edge: (typeof attempts)[number] | undefined;
    for (let attempt = 0; attempt < 25 && !edge; attempt++) {
      const requestId = `login-${attempt}-${crypto.randomUUID()}`;
      const response = await request(`${nginx.httpsUrl}/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-request-id': requestId },
        body: JSON.stringify({ email: `nobody${attempt}@example.test`, password: 'wrong-password' }),
        caFile: nginx.certificateFile,
      });
      attempts.push({ requestId, response });
      if (response.status === 429 && response.headers['retry-after'] === '10') {
        const line = await logLine((entry) => entry.requestId === requestId);
        if (line?.upstream === '') edge = { requestId, response };
      }
    }
    expect(edge?.response.headers['content-type']).toBe('application/problem+json');
    expect(JSON.parse(edge?.response.body ?? '{}')).toMatchObject({ status: 429, code: 'RATE_LIMITED' });
    // 10 a minute with a burst of 10: the first requests reached the API, the 12th at the latest was refused here.
    expect(attempts.length).toBeLessThanOrEqual(12);
    for (const { requestId } of attempts.slice(0, 10)) {
      expect((await logLine((entry) => entry.requestId === requestId))?.upstream).toBe(
        `127.0.0.1:${functions.server.port}`,
      );
    }
  });
});
