import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestBridge } from '../../infra/redis-rest-bridge/testing';
import { createLogger } from '../logger';
import type { Cache } from './cache';
import { createMemoryCache } from './memory-cache';
import { createUpstashCache } from './upstash-cache';

type Bridge = Awaited<ReturnType<typeof startTestBridge>>;

/** A database read the test holds open: `entered` once it runs, it returns `value` after `release()`. */
function slowLoad<T>(value: T) {
  let markEntered!: () => void;
  let release!: () => void;
  const entered = new Promise<void>((resolve) => {
    markEntered = resolve;
  });
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const run = async () => {
    markEntered();
    await gate;
    return value;
  };
  return { run, entered, release };
}

describe.each(['memory', 'upstash'] as const)('cache invalidation rules on %s', (kind) => {
  let cache: Cache;
  let bridge: Bridge | undefined;
  beforeAll(async () => {
    bridge = kind === 'upstash' ? await startTestBridge() : undefined;
    cache = bridge
      ? createUpstashCache({ url: bridge.url, token: bridge.token, logger: createLogger('test', 'error') })
      : createMemoryCache();
  });
  afterAll(async () => {
    await bridge?.close();
  });
  const key = (name: string) => `cw:test-${randomUUID()}:${name}`;

  test('a load that raced an invalidation cannot put its old value back; the next read fills the cache', async () => {
    const profile = key('profile');
    const load = slowLoad({ version: 'before the write' });
    const slowRead = cache.readThrough(profile, 30, load.run);
    await load.entered;
    await cache.invalidate(profile); // a write commits while the read is still loading
    load.release();
    expect(await slowRead).toEqual({ value: { version: 'before the write' }, hit: false });
    expect(await cache.get(profile)).toBeUndefined();
    const next = await cache.readThrough(profile, 30, async () => ({ version: 'after the write' }));
    expect(next).toEqual({ value: { version: 'after the write' }, hit: false });
    const cached = await cache.readThrough(profile, 30, async () => ({ version: 'not loaded' }));
    expect(cached).toEqual({ value: { version: 'after the write' }, hit: true });
  });

  test('two invalidations in a row: a load that began after the first still loses to the second', async () => {
    const profile = key('profile');
    await cache.invalidate(profile);
    const load = slowLoad({ version: 'between the writes' });
    const slowRead = cache.readThrough(profile, 30, load.run);
    await load.entered;
    await cache.invalidate(profile);
    load.release();
    await slowRead;
    expect(await cache.get(profile)).toBeUndefined();
  });

  test('nothing to show (undefined) is not cached', async () => {
    const absent = key('absent');
    expect(await cache.readThrough(absent, 30, async () => undefined)).toEqual({ value: undefined, hit: false });
    expect(await cache.readThrough(absent, 30, async () => ({ found: true }))).toEqual({
      value: { found: true },
      hit: false,
    });
  });

  test('a cached value that `accept` refuses is a miss, and what the load returns replaces it', async () => {
    const stamped = key('stamped');
    await cache.readThrough(stamped, 30, async () => ({ generation: 1 }));
    const current = (value: { generation: number }) => value.generation === 2;
    const reload = await cache.readThrough(stamped, 30, async () => ({ generation: 2 }), current);
    expect(reload).toEqual({ value: { generation: 2 }, hit: false });
    expect(await cache.readThrough(stamped, 30, async () => ({ generation: 3 }), current)).toEqual({
      value: { generation: 2 },
      hit: true,
    });
  });

  test('invalidateMatching drops exactly the keys its glob matches', async () => {
    const org = `cw:test-${randomUUID()}`;
    const keys = [`${org}:resident:a:profile:v3`, `${org}:resident:b:profile:v3`, `${org}:staff:list:1:{}`];
    for (const name of keys) await cache.readThrough(name, 30, async () => ({ name }));
    expect(await cache.invalidateMatching(`${org}:resident:*:profile:v3`)).toBe(2);
    expect(await cache.get(keys[0] ?? '')).toBeUndefined();
    expect(await cache.get(keys[1] ?? '')).toBeUndefined();
    expect(await cache.get(keys[2] ?? '')).toEqual({ name: keys[2] });
  });
});
