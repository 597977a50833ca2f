import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { parseEnv } from '../core/env';
import { createTestDatabase, type TestDatabase } from '../db/testing/database';
import { TEST_JWT_SECRET } from '../infra/testing/functions';
import { RealtimeEnv } from './env';
import { type RealtimeNode, startRealtimeNode } from './node';
import { PROTOCOL } from './protocol';

describe('realtime node health', () => {
  let database: TestDatabase;
  let node: RealtimeNode;
  beforeAll(async () => {
    database = await createTestDatabase();
    node = await startRealtimeNode(
      parseEnv(RealtimeEnv, {
        DATABASE_URL: database.url,
        JWT_SECRET: TEST_JWT_SECRET,
        REALTIME_PORT: '0',
        LOG_LEVEL: 'warn',
      }),
    );
  });
  afterAll(async () => {
    await node.stop();
    await database.drop();
  });

  test.each(['1', '10', '0'])(
    'REALTIME_IDLE_TIMEOUT_SECONDS=%s is refused at startup, not by uWS aborting',
    (value) => {
      expect(() =>
        parseEnv(RealtimeEnv, {
          DATABASE_URL: database.url,
          JWT_SECRET: TEST_JWT_SECRET,
          REALTIME_IDLE_TIMEOUT_SECONDS: value,
        }),
      ).toThrow(/REALTIME_IDLE_TIMEOUT_SECONDS/);
    },
  );

  test.each([
    ['an unknown path', 'GET', '/nope', 404],
    ['an unknown path with another method', 'DELETE', '/nope/deeper?x=1', 404],
    ['POST /healthz', 'POST', '/healthz', 405],
    ['PUT /metrics', 'PUT', '/metrics', 405],
    ['POST /ws', 'POST', '/ws', 405],
    ['GET /ws without an upgrade', 'GET', '/ws', 426],
  ])('%s (%s %s) answers %i with a problem+json body', async (_name, method, path, status) => {
    const response = await fetch(`${node.url}${path}`, { method });
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toBe('application/problem+json');
    expect(await response.json()).toMatchObject({ type: 'about:blank', status, title: expect.any(String) });
    if (status === 405) expect(response.headers.get('allow')).toBe('GET');
    if (status === 426) expect(response.headers.get('upgrade')).toBe('websocket');
  });

  test('the real routes still answer beside the fallbacks: /metrics, and the WebSocket upgrade', async () => {
    expect((await fetch(`${node.url}/metrics`)).status).toBe(200);
    const socket = new WebSocket(`${node.url.replace('http', 'ws')}/ws`, [PROTOCOL]);
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('unexpected-response', (_request, response) => reject(new Error(`${response.statusCode}`)));
    });
    expect(socket.protocol).toBe(PROTOCOL);
    socket.close();
  });

  test('GET /healthz answers from uWebSockets.js with a real database check', async () => {
    const response = await fetch(`${node.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', service: 'realtime', database: { ok: true } });
  });
});
