import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/database';
import { parseEnv } from '../functions/env';
import { TEST_JWT_SECRET } from '../functions/testing';
import { RealtimeEnv } from './env';
import { type RealtimeNode, startRealtimeNode } from './node';

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

  test('GET /healthz answers from uWebSockets.js with a real database check', async () => {
    const response = await fetch(`${node.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: 'ok', service: 'realtime', database: { ok: true } });
  });
});
