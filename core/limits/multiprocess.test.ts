import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startBridgeProcess } from '../../infra/redis-rest-bridge/testing';

interface LoopResult {
  allowed: { sent: number; answered: number }[];
  refused: number;
}

/** Runs `testing/take-loop.ts` as its own OS process and reads its one line of results. */
function takeLoop(env: Record<string, string>): Promise<LoopResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'core/limits/testing/take-loop.ts'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`take-loop exited with ${code}`));
      resolve(JSON.parse(output.trim().split('\n').at(-1) ?? '') as LoopResult);
    });
  });
}

describe('one token bucket, three processes hammering it through the shared Redis', () => {
  let bridge: Awaited<ReturnType<typeof startBridgeProcess>>;
  beforeAll(async () => {
    bridge = await startBridgeProcess();
  });
  afterAll(() => bridge?.close());

  test('together they get the burst plus what refilled, never more, and no refill goes unused', async () => {
    const perSecond = 5;
    const burst = 8;
    const durationMs = 2500;
    // Started well ahead, so all three are loaded and waiting when the bucket's first take arrives.
    const startAt = Date.now() + 2500;
    const env = {
      UPSTASH_REDIS_REST_URL: bridge.url,
      UPSTASH_REDIS_REST_TOKEN: bridge.token,
      KEY: `test:multiprocess:${randomUUID()}`,
      PER_SECOND: String(perSecond),
      BURST: String(burst),
      START_AT: String(startAt),
      DURATION_MS: String(durationMs),
      CONCURRENCY: '4',
    };
    const results = await Promise.all([takeLoop(env), takeLoop(env), takeLoop(env)]);
    const allowed = results.flatMap((result) => result.allowed);
    const refused = results.reduce((sum, result) => sum + result.refused, 0);
    const intervalMs = 1000 / perSecond;
    // The bucket starts full at the first take (not before startAt) and gains one token per interval after it.
    const lastAnswered = Math.max(...allowed.map((take) => take.answered));
    const atMost = burst + Math.floor((lastAnswered - startAt) / intervalMs);
    // Every process keeps asking until the end, so each token that refilled before the last request went out was taken.
    const firstAnswered = Math.min(...allowed.map((take) => take.answered));
    const lastSent = Math.max(...allowed.map((take) => take.sent));
    const atLeast = burst + Math.floor((lastSent - firstAnswered) / intervalMs) - 1;
    console.log('multi-process bucket', {
      allowed: allowed.length,
      refused,
      perProcess: results.map((result) => result.allowed.length),
      atLeast,
      atMost,
    });
    expect(refused).toBeGreaterThan(allowed.length);
    expect(allowed.length).toBeLessThanOrEqual(atMost);
    expect(allowed.length).toBeGreaterThanOrEqual(atLeast);
    // Each process took part: the limit is shared, not split per process.
    for (const result of results) expect(result.allowed.length).toBeGreaterThan(0);
  }, 30_000);
});
