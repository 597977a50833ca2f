import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestBridge } from '../../infra/redis-rest-bridge/testing';
import { createLogger } from '../logger';
import { configuredLimiters } from './configured-limiters';
import type { Limiters } from './limiter';

type Bridge = Awaited<ReturnType<typeof startTestBridge>>;

/** Waits until at least `ms` remain in the current fixed window of `windowSeconds`, so a test does not straddle two. */
async function awayFromWindowEnd(windowSeconds: number, ms: number) {
  const windowMs = windowSeconds * 1000;
  const left = windowMs - (Date.now() % windowMs);
  if (left < ms) await new Promise((resolve) => setTimeout(resolve, left + 10));
}

describe.each(['memory', 'shared'] as const)('%s limiters: the same answers from both', (kind) => {
  let limiters: Limiters;
  let bridge: Bridge | undefined;
  beforeAll(async () => {
    bridge = kind === 'shared' ? await startTestBridge() : undefined;
    limiters = configuredLimiters(
      { UPSTASH_REDIS_REST_URL: bridge?.url, UPSTASH_REDIS_REST_TOKEN: bridge?.token },
      createLogger('limits-test', 'error'),
      { timeoutMs: 2000 },
    );
    expect(limiters.kind).toBe(kind);
  });
  afterAll(() => bridge?.close());
  const fresh = (name: string) => `test:${name}:${randomUUID()}`;

  test('a bucket allows its burst, then refuses with Retry-After; another key is unaffected', async () => {
    const key = fresh('bucket');
    const rule = { perSecond: 0.1, burst: 3 };
    const decisions = [];
    for (let i = 0; i < 4; i++) decisions.push(await limiters.bucket.take(key, rule));
    expect(decisions.map((decision) => decision.allowed)).toEqual([true, true, true, false]);
    expect(decisions[3]?.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect(decisions[3]?.retryAfterSeconds).toBeLessThanOrEqual(10);
    expect((await limiters.bucket.take(fresh('bucket'), rule)).allowed).toBe(true);
  });

  test('a bucket refills at its rate', async () => {
    const key = fresh('refill');
    // One token per 500 ms: the second take comes well inside it even on a loaded machine.
    const rule = { perSecond: 2, burst: 1 };
    expect((await limiters.bucket.take(key, rule)).allowed).toBe(true);
    expect((await limiters.bucket.take(key, rule)).allowed).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 600));
    expect((await limiters.bucket.take(key, rule)).allowed).toBe(true);
  });

  test('concurrent takes never share the last token', async () => {
    const key = fresh('race');
    const decisions = await Promise.all(
      Array.from({ length: 25 }, () => limiters.bucket.take(key, { perSecond: 0.01, burst: 7 })),
    );
    expect(decisions.filter((decision) => decision.allowed)).toHaveLength(7);
  });

  test('a window allows its limit, refuses until the window ends, and counts concurrent hits exactly', async () => {
    const rule = { limit: 5, windowSeconds: 600 };
    await awayFromWindowEnd(rule.windowSeconds, 5000);
    const key = fresh('window');
    const hits = await Promise.all(Array.from({ length: 12 }, () => limiters.window.hit(key, rule)));
    expect(hits.filter((hit) => hit.allowed)).toHaveLength(5);
    const refused = hits.find((hit) => !hit.allowed);
    const windowEndsIn = Math.ceil((600_000 - (Date.now() % 600_000)) / 1000);
    expect(refused?.retryAfterSeconds).toBeGreaterThanOrEqual(windowEndsIn - 1);
    expect(refused?.retryAfterSeconds).toBeLessThanOrEqual(windowEndsIn + 1);
  });

  test('a refund gives an allowed hit back once; a refused hit has nothing to give back', async () => {
    const rule = { limit: 2, windowSeconds: 600 };
    await awayFromWindowEnd(rule.windowSeconds, 5000);
    const key = fresh('refund');
    const first = await limiters.window.hit(key, rule);
    await limiters.window.hit(key, rule);
    const refused = await limiters.window.hit(key, rule);
    expect(refused.allowed).toBe(false);
    await refused.refund();
    expect((await limiters.window.hit(key, rule)).allowed).toBe(false);
    await first.refund();
    await first.refund();
    // Refused hits count too (3, 4); one refund takes 4 back to 3, so the next hit (4 again) is still over 2.
    expect((await limiters.window.hit(key, rule)).allowed).toBe(false);

    const other = fresh('refund');
    const hit = await limiters.window.hit(other, rule);
    await limiters.window.hit(other, rule);
    await hit.refund();
    await hit.refund();
    expect((await limiters.window.hit(other, rule)).allowed).toBe(true);
    expect((await limiters.window.hit(other, rule)).allowed).toBe(false);
  });

  test('a refund after its window ended lends the next window nothing', async () => {
    const rule = { limit: 1, windowSeconds: 2 };
    await awayFromWindowEnd(rule.windowSeconds, 1500);
    const key = fresh('late-refund');
    const hit = await limiters.window.hit(key, rule);
    expect(hit.allowed).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 2000 - (Date.now() % 2000) + 10));
    expect((await limiters.window.hit(key, rule)).allowed).toBe(true);
    await hit.refund();
    expect((await limiters.window.hit(key, rule)).allowed).toBe(false);
  });
});
