import { Ratelimit } from '@upstash/ratelimit';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RespClient, RespError } from './resp-client';
import { startTestBridge } from './testing';
import { sha1 } from './upstash-scripts';

describe('Upstash REST bridge over the real Redis, driven by @upstash/redis', () => {
  let bridge: Awaited<ReturnType<typeof startTestBridge>>;
  let redis: Redis;
  const prefix = `bridge-test:${crypto.randomUUID()}`;
  beforeAll(async () => {
    bridge = await startTestBridge();
    redis = new Redis({ url: bridge.url, token: bridge.token, retry: false, enableTelemetry: false });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await bridge.close();
  });

  test('single commands round-trip strings, JSON, numbers, nil and unicode through base64 encoding', async () => {
    expect(await redis.set(`${prefix}:a`, '안녕하세요 hello')).toBe('OK');
    expect(await redis.get(`${prefix}:a`)).toBe('안녕하세요 hello');
    await redis.set(`${prefix}:json`, { resident: '김순자', alerts: [1, 2] });
    expect(await redis.get(`${prefix}:json`)).toEqual({ resident: '김순자', alerts: [1, 2] });
    expect(await redis.incr(`${prefix}:n`)).toBe(1);
    expect(await redis.incrby(`${prefix}:n`, 41)).toBe(42);
    expect(await redis.get(`${prefix}:missing`)).toBeNull();
    expect(await redis.ping()).toBe('PONG');
  });

  test('expiry and deletion behave as on Redis', async () => {
    await redis.set(`${prefix}:ttl`, 'x', { ex: 100 });
    const ttl = await redis.ttl(`${prefix}:ttl`);
    expect(ttl).toBeGreaterThan(90);
    expect(ttl).toBeLessThanOrEqual(100);
    expect(await redis.del(`${prefix}:ttl`, `${prefix}:nothing`)).toBe(1);
    expect(await redis.exists(`${prefix}:ttl`)).toBe(0);
  });

  test('arrays (lists, hashes) decode element by element', async () => {
    await redis.rpush(`${prefix}:list`, 'one', 'two', '셋');
    expect(await redis.lrange(`${prefix}:list`, 0, -1)).toEqual(['one', 'two', '셋']);
    await redis.hset(`${prefix}:hash`, { name: '이영호', room: 'bedroom' });
    expect(await redis.hgetall(`${prefix}:hash`)).toEqual({ name: '이영호', room: 'bedroom' });
  });

  test('/pipeline runs commands in order and reports per-command errors', async () => {
    const results = await redis.pipeline().set(`${prefix}:p`, 'v').get(`${prefix}:p`).incr(`${prefix}:pn`).exec();
    expect(results).toEqual(['OK', 'v', 1]);
    const failing = redis.pipeline().set(`${prefix}:s`, 'text').incr(`${prefix}:s`);
    await expect(failing.exec()).rejects.toThrow(/not an integer/);
  });

  test('/multi-exec runs atomically and returns every reply', async () => {
    const results = await redis.multi().incr(`${prefix}:m`).incr(`${prefix}:m`).expire(`${prefix}:m`, 60).exec();
    expect(results).toEqual([1, 2, 1]);
  });

  test('a wrong token is refused with 401', async () => {
    const intruder = new Redis({ url: bridge.url, token: 'wrong-token', retry: false, enableTelemetry: false });
    await expect(intruder.get(`${prefix}:a`)).rejects.toThrow(/Unauthorized/);
    const raw = await fetch(bridge.url, { method: 'POST', body: '["GET","x"]' });
    expect(raw.status).toBe(401);
  });

  test('a Redis error on a single command is an error response', async () => {
    await redis.set(`${prefix}:str`, 'text');
    await expect(redis.incr(`${prefix}:str`)).rejects.toThrow(/not an integer/);
  });

  test('with Redis unreachable the bridge answers 500 and keeps serving', async () => {
    const down = await startTestBridge({ redisPort: 1 });
    try {
      const client = new Redis({ url: down.url, token: down.token, retry: false, enableTelemetry: false });
      await expect(client.get('x')).rejects.toThrow();
      await expect(client.get('x')).rejects.toThrow();
    } finally {
      await down.close();
    }
  });

  describe('scripts with Upstash-only flags (what @upstash/ratelimit sends)', () => {
    const flagged = (n: number) => `#!lua flags=allow-key-locking\nreturn redis.call('INCRBY', KEYS[1], ${n})`;

    test('Redis itself refuses the flag: that is why the bridge rewrites it', async () => {
      const raw = new RespClient('127.0.0.1', 6379);
      try {
        const [reply] = await raw.send([['EVAL', flagged(1), '1', `${prefix}:raw`]]);
        expect(reply).toBeInstanceOf(RespError);
        expect((reply as RespError).message).toMatch(/Unexpected flag in script shebang: allow-key-locking/);
      } finally {
        raw.close();
      }
    });

    test('EVAL runs; SCRIPT LOAD answers the hash of the text sent; EVALSHA and SCRIPT EXISTS accept that hash', async () => {
      const key = `${prefix}:flagged`;
      expect(await redis.eval(flagged(2), [key], [])).toBe(2);
      const script = flagged(3);
      expect(await redis.scriptLoad(script)).toBe(sha1(script));
      expect(await redis.evalsha(sha1(script), [key], [])).toBe(5);
      expect(await redis.scriptExists(sha1(script), sha1('no such script'))).toEqual([1, 0]);
      expect(await redis.pipeline().evalsha(sha1(script), [key], []).incr(key).exec()).toEqual([8, 9]);
      expect(await redis.multi().evalsha(sha1(script), [key], []).exec()).toEqual([12]);
    });

    test('a bridge that never saw the script answers NOSCRIPT, and learns it from the EVAL that follows', async () => {
      const fresh = await startTestBridge();
      try {
        const client = new Redis({ url: fresh.url, token: fresh.token, retry: false, enableTelemetry: false });
        const script = flagged(7);
        await redis.scriptLoad(script); // Redis has the rewritten script; the fresh bridge has no alias for it yet
        await expect(client.evalsha(sha1(script), [`${prefix}:fresh`], [])).rejects.toThrow(/NOSCRIPT/);
        expect(await client.eval(script, [`${prefix}:fresh`], [])).toBe(7);
        expect(await client.evalsha(sha1(script), [`${prefix}:fresh`], [])).toBe(14);
      } finally {
        await fresh.close();
      }
    });

    test('@upstash/ratelimit runs on it: fixed window with a refund, token bucket, remaining counts', async () => {
      const window = new Ratelimit({
        redis,
        limiter: Ratelimit.fixedWindow(2, '60 s'),
        prefix: `${prefix}:ratelimit`,
        ephemeralCache: false,
        timeout: 0,
        enableTelemetry: false,
      });
      const hits = [];
      for (let i = 0; i < 3; i++) hits.push((await window.limit('window')).success);
      expect(hits).toEqual([true, true, false]);
      await window.limit('window', { rate: -2 });
      expect((await window.getRemaining('window')).remaining).toBe(1);
      expect((await window.limit('window')).success).toBe(true);

      const bucket = new Ratelimit({
        redis,
        limiter: Ratelimit.tokenBucket(1, '60 s', 2),
        prefix: `${prefix}:ratelimit`,
        ephemeralCache: false,
        timeout: 0,
        enableTelemetry: false,
      });
      const takes = [];
      for (let i = 0; i < 3; i++) takes.push(await bucket.limit('bucket'));
      expect(takes.map((take) => take.success)).toEqual([true, true, false]);
      expect(takes[2]?.reset).toBeGreaterThan(Date.now());
      expect((await bucket.getRemaining('bucket')).remaining).toBe(0);
    });
  });
});
