import { randomUUID } from 'node:crypto';
import { type AddressInfo, createServer, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { freePort, startBridgeProcess, startTestBridge } from '../../infra/redis-rest-bridge/testing';
import { createLogger } from '../logger';
import { configuredLimiters } from './configured-limiters';
import type { Limiters } from './limiter';

type BridgeProcess = Awaited<ReturnType<typeof startBridgeProcess>>;

/**
 * Limiters over `url`, and the warnings they log. A long timeout by default: a loaded machine must not turn a slow
 * answer into an outage where the test expects the store to answer (the timeout itself is tested below).
 */
function limitersOn(url: string, token: string, timeoutMs = 5000) {
  const warnings: string[] = [];
  const logger = createLogger('limits-test', 'warn', (line) => warnings.push(JSON.parse(line).message));
  const limiters = configuredLimiters({ UPSTASH_REDIS_REST_URL: url, UPSTASH_REDIS_REST_TOKEN: token }, logger, {
    timeoutMs,
  });
  return { limiters, warnings };
}

const bucketRule = { perSecond: 0.01, burst: 2 };
const windowRule = { limit: 3, windowSeconds: 600 };
const takes = async (limiters: Limiters, key: string, count: number) => {
  const allowed = [];
  for (let i = 0; i < count; i++) allowed.push((await limiters.bucket.take(key, bucketRule)).allowed);
  return allowed;
};
const hits = async (limiters: Limiters, key: string, count: number) => {
  const allowed = [];
  for (let i = 0; i < count; i++) allowed.push((await limiters.window.hit(key, windowRule)).allowed);
  return allowed;
};

/** A TCP server that accepts connections and never answers: a store that hangs. */
async function silentServer() {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe.each([
  ['nothing listens at the REST URL (a closed port)', 'closed-port'],
  ['the bridge is up, Redis behind it is not', 'redis-down'],
  ['the REST endpoint accepts and never answers (timeout)', 'hangs'],
] as const)('shared limiters when the store is unreachable: %s', (_label, mode) => {
  let url: string;
  let token = 'no-such-token';
  let close = async () => {};
  const timeoutMs = mode === 'hangs' ? 150 : 5000;
  beforeAll(async () => {
    if (mode === 'closed-port') {
      url = `http://127.0.0.1:${await freePort()}`;
    } else if (mode === 'hangs') {
      const server = await silentServer();
      ({ url, close } = server);
    } else {
      const bridge = await startTestBridge({ redisPort: await freePort() });
      ({ url, token, close } = bridge);
    }
  });
  afterAll(() => close());

  test('ingest fails open: every batch is allowed, and the outage is logged', async () => {
    const { limiters, warnings } = limitersOn(url, token, timeoutMs);
    expect(limiters.kind).toBe('shared');
    expect(await takes(limiters, `hub:${randomUUID()}`, 6)).toEqual([true, true, true, true, true, true]);
    expect(warnings).toContain('shared rate limit unavailable; allowing (fail open)');
  });

  test('login falls back to the in-process counters: still limited, and logged', async () => {
    const { limiters, warnings } = limitersOn(url, token, timeoutMs);
    expect(await hits(limiters, `account:${randomUUID()}`, 5)).toEqual([true, true, true, false, false]);
    expect(warnings).toContain('shared rate limit unavailable; using in-process limits');
  });
});

describe('the bridge process killed and restarted: shared, then in-process (login) or open (ingest), then shared', () => {
  let bridge: BridgeProcess;
  beforeAll(async () => {
    bridge = await startBridgeProcess();
  });
  afterAll(() => bridge?.close());

  test('each limiter follows the store as it goes and comes back', async () => {
    const { limiters, warnings } = limitersOn(bridge.url, bridge.token);
    // Two processes' worth of the same limits: a second set over the same Redis sees the first one's counts.
    const other = limitersOn(bridge.url, bridge.token).limiters;
    const hub = `hub:${randomUUID()}`;
    const account = `account:${randomUUID()}`;
    expect(await takes(limiters, hub, 1)).toEqual([true]);
    expect(await takes(other, hub, 2)).toEqual([true, false]);
    expect(await hits(limiters, account, 2)).toEqual([true, true]);

    await bridge.kill();
    expect(await takes(limiters, hub, 3)).toEqual([true, true, true]);
    // The in-process counters start from nothing: the shared count (2) is out of reach during the outage.
    expect(await hits(limiters, account, 4)).toEqual([true, true, true, false]);
    expect(warnings.length).toBeGreaterThan(0);

    await bridge.restart();
    expect(await takes(limiters, hub, 1)).toEqual([false]);
    expect(await takes(other, hub, 1)).toEqual([false]);
    // Back on the shared count: 2 before the outage, so one more is allowed.
    expect(await hits(other, account, 2)).toEqual([true, false]);
  });
});
