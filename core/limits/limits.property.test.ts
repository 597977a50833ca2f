import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startTestBridge } from '../../infra/redis-rest-bridge/testing';
import { createLogger } from '../logger';
import { configuredLimiters } from './configured-limiters';
import type { Limiters, WindowHit } from './limiter';
import { createMemoryBucketLimiter } from './memory-bucket';
import { createMemoryWindowLimiter } from './memory-window';

/**
 * Boundaries of the limiters over generated traffic. `npm test` runs a bounded number of cases; FUZZ=1 (or a number)
 * runs more, as `npm run test:fuzz` does, and FUZZ_SEED=<seed> replays a failure.
 */
const RUNS = process.env.FUZZ ? (Number(process.env.FUZZ) > 1 ? Number(process.env.FUZZ) : 1_000) : 100;
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;
const PROPERTY_TIMEOUT = process.env.FUZZ ? 30 * 60_000 : undefined;
const runs = (numRuns = RUNS) => ({ numRuns, ...(SEED === undefined ? {} : { seed: SEED }) });

type Step = { advanceMs: number } & ({ op: 'hit' } | { op: 'refund'; which: number });

/** Mostly no time or a little, sometimes past a window's end: so windows fill up, and refunds cross boundaries. */
const arbAdvance = (windowMs: number) =>
  fc.oneof(
    { arbitrary: fc.constant(0), weight: 4 },
    { arbitrary: fc.integer({ min: 1, max: Math.floor(windowMs / 10) }), weight: 2 },
    { arbitrary: fc.integer({ min: 0, max: Math.floor(windowMs * 1.5) }), weight: 1 },
  );

const arbSteps = (windowMs: number): fc.Arbitrary<Step[]> =>
  fc.array(
    fc.oneof(
      { arbitrary: fc.record({ op: fc.constant('hit' as const), advanceMs: arbAdvance(windowMs) }), weight: 3 },
      {
        arbitrary: fc.record({ op: fc.constant('refund' as const), which: fc.nat(), advanceMs: arbAdvance(windowMs) }),
        weight: 1,
      },
    ),
    { maxLength: 60 },
  );

describe('in-process limiters against a model (fake clock)', () => {
  test(
    'a window allows a hit exactly when fewer than `limit` unrefunded hits are counted in it; refunds never cross windows',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 4 }),
          fc.integer({ min: 1, max: 30 }),
          fc.integer({ min: 0, max: 10_000_000 }),
          fc.integer({ min: 1, max: 4 }).chain((seconds) => fc.tuple(fc.constant(seconds), arbSteps(seconds * 1000))),
          async (limit, startSeconds, startMs, [windowSeconds, steps]) => {
            let clock = startSeconds * 1000 + startMs;
            const limiter = createMemoryWindowLimiter(() => clock);
            const rule = { limit, windowSeconds };
            const windowOf = (at: number) => Math.floor(at / (windowSeconds * 1000));
            // The model: the count per window, and each hit's window, decision and whether it was refunded.
            const counts = new Map<number, number>();
            const made: { hit: WindowHit; window: number; refunded: boolean }[] = [];
            for (const step of steps) {
              clock += step.advanceMs;
              const window = windowOf(clock);
              if (step.op === 'hit') {
                const count = (counts.get(window) ?? 0) + 1;
                counts.set(window, count);
                const hit = await limiter.hit('key', rule);
                expect(hit.allowed).toBe(count <= limit);
                if (!hit.allowed) {
                  const windowEnd = (window + 1) * windowSeconds * 1000;
                  expect(hit.retryAfterSeconds).toBe(Math.max(1, Math.ceil((windowEnd - clock) / 1000)));
                }
                made.push({ hit, window, refunded: false });
              } else if (made.length > 0) {
                const entry = made[step.which % made.length];
                if (!entry) continue;
                await entry.hit.refund();
                if (entry.hit.allowed && !entry.refunded && entry.window === window) {
                  entry.refunded = true;
                  counts.set(window, (counts.get(window) ?? 0) - 1);
                }
              }
            }
            // The guarantee itself: per window, allowed hits that were never refunded stay within the limit.
            for (const window of new Set(made.map((entry) => entry.window))) {
              const kept = made.filter((entry) => entry.window === window && entry.hit.allowed && !entry.refunded);
              expect(kept.length).toBeLessThanOrEqual(limit);
            }
          },
        ),
        runs(),
      );
    },
    PROPERTY_TIMEOUT,
  );

  test(
    'a bucket never allows more than burst + rate × elapsed in any stretch of time, and allows a full burst at once',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 10 }),
          fc.double({ min: 0.01, max: 50, noNaN: true }),
          fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 3000 })), { maxLength: 80 }),
          async (burst, perSecond, gaps) => {
            let clock = 1_000_000;
            const limiter = createMemoryBucketLimiter(() => clock);
            const rule = { perSecond, burst };
            const allowedAt: number[] = [];
            for (let i = 0; i < burst; i++) expect((await limiter.take('key', rule)).allowed).toBe(true);
            const start = clock;
            for (const gap of gaps) {
              clock += gap;
              const decision = await limiter.take('key', rule);
              if (decision.allowed) allowedAt.push(clock);
              else expect(decision.retryAfterSeconds).toBeGreaterThanOrEqual(1);
            }
            // After the burst the bucket is empty: from `start` on, only what refilled can be spent, and in any
            // stretch between two allowed takes at most what the bucket held (≤ burst) plus what refilled.
            const slack = 1e-6;
            allowedAt.forEach((at, j) => {
              expect(j + 1).toBeLessThanOrEqual(((at - start) / 1000) * perSecond + slack);
              allowedAt.slice(0, j + 1).forEach((from, i) => {
                expect(j - i + 1).toBeLessThanOrEqual(burst + ((at - from) / 1000) * perSecond + slack);
              });
            });
          },
        ),
        runs(),
      );
    },
    PROPERTY_TIMEOUT,
  );
});

describe('shared limiters on the real Redis (through the bridge): concurrent requests at the boundary', () => {
  let bridge: Awaited<ReturnType<typeof startTestBridge>>;
  let limiters: Limiters;
  beforeAll(async () => {
    bridge = await startTestBridge();
    limiters = configuredLimiters(
      { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: bridge.token },
      createLogger('limits-test', 'error'),
      { timeoutMs: 5000 },
    );
  });
  afterAll(() => bridge?.close());

  test(
    'N requests at once against a bucket of B (no refill meanwhile) are allowed exactly min(N, B) times',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 8 }), fc.integer({ min: 0, max: 20 }), async (burst, count) => {
          const key = `test:bucket-boundary:${randomUUID()}`;
          const rule = { perSecond: 0.01, burst };
          const decisions = await Promise.all(Array.from({ length: count }, () => limiters.bucket.take(key, rule)));
          expect(decisions.filter((decision) => decision.allowed)).toHaveLength(Math.min(count, burst));
        }),
        runs(Math.min(RUNS, 25)),
      );
    },
    PROPERTY_TIMEOUT,
  );

  test(
    'N hits at once against a window of L are allowed exactly min(N, L) times; refunding R of them lets R more in',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 1, max: 8 }),
          fc.integer({ min: 0, max: 20 }),
          fc.nat(),
          async (limit, count, refundSeed) => {
            const key = `test:window-boundary:${randomUUID()}`;
            // A week-long window: a run never straddles two.
            const rule = { limit, windowSeconds: 7 * 24 * 3600 };
            const hits = await Promise.all(Array.from({ length: count }, () => limiters.window.hit(key, rule)));
            const allowed = hits.filter((hit) => hit.allowed);
            expect(allowed).toHaveLength(Math.min(count, limit));
            const refunds = allowed.length === 0 ? 0 : refundSeed % (allowed.length + 1);
            await Promise.all(allowed.slice(0, refunds).map((hit) => hit.refund()));
            // Counted now: every hit (refused ones too) less the refunds; room left is what stays under the limit.
            const room = Math.max(0, limit - (count - refunds));
            const more = await Promise.all(Array.from({ length: limit }, () => limiters.window.hit(key, rule)));
            expect(more.filter((hit) => hit.allowed)).toHaveLength(room);
          },
        ),
        runs(Math.min(RUNS, 25)),
      );
    },
    PROPERTY_TIMEOUT,
  );
});
