import { createLogger } from '../../logger';
import { configuredLimiters } from '../configured-limiters';

/**
 * One process of a multi-process test (`../multiprocess.test.ts`): from START_AT until START_AT + DURATION_MS it keeps
 * CONCURRENCY loops taking from KEY (every 5 ms at most) through the shared limiter, then prints one JSON line: when each allowed take
 * was sent and answered, and how many were refused.
 */
const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const limiters = configuredLimiters(
  { UPSTASH_REDIS_REST_URL: env('UPSTASH_REDIS_REST_URL'), UPSTASH_REDIS_REST_TOKEN: env('UPSTASH_REDIS_REST_TOKEN') },
  createLogger('take-loop', 'warn'),
  { timeoutMs: 5000 },
);
const rule = { perSecond: Number(env('PER_SECOND')), burst: Number(env('BURST')) };
const startAt = Number(env('START_AT'));
const endAt = startAt + Number(env('DURATION_MS'));
const allowed: { sent: number; answered: number }[] = [];
let refused = 0;

async function loop() {
  while (Date.now() < endAt) {
    const sent = Date.now();
    const decision = await limiters.bucket.take(env('KEY'), rule);
    if (decision.allowed) allowed.push({ sent, answered: Date.now() });
    else refused += 1;
    // A refused take can be answered without Redis (the library remembers refused keys until their reset): pace
    // the loop so it does not spin.
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())));
await Promise.all(Array.from({ length: Number(env('CONCURRENCY')) }, loop));
console.log(JSON.stringify({ allowed, refused }));
