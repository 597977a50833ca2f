import type { Logger } from '../logger';
import type { BucketLimiter, WindowHit, WindowLimiter } from './limiter';

/** Logs a shared limiter's failure, each message at most once a second: an outage must not flood the log. */
export function outageReporter(logger: Logger, now: () => number = Date.now) {
  const last = new Map<string, number>();
  return (message: string, operation: string, error: unknown) => {
    if (now() - (last.get(message) ?? Number.NEGATIVE_INFINITY) < 1000) return;
    last.set(message, now());
    logger.warn(message, { operation, error: error instanceof Error ? error.message : String(error) });
  };
}
export type OutageReport = ReturnType<typeof outageReporter>;

/**
 * Ingest's rule: when the shared bucket cannot be asked, the batch is allowed. A hub's batch may carry an emergency
 * (SOS, fire, a fall), and refusing it because Redis is down would lose the alert; an unthrottled hub for the length
 * of an outage is the lesser harm (each batch is still authenticated and bounded in size).
 */
export function failOpen(shared: BucketLimiter, report: OutageReport): BucketLimiter {
  return {
    async take(key, rule) {
      try {
        return await shared.take(key, rule);
      } catch (error) {
        report('shared rate limit unavailable; allowing (fail open)', 'bucket', error);
        return { allowed: true, retryAfterSeconds: 0 };
      }
    },
  };
}

/**
 * Login's rule: when the shared counters cannot be asked, this process's own counters decide that hit. Password
 * guessing stays limited (per process or isolate, as without a cache) and staff can still log in: failing closed
 * would lock every care worker out, failing open would unthrottle guessing for the whole outage.
 */
export function fallBackTo(shared: WindowLimiter, fallback: WindowLimiter, report: OutageReport): WindowLimiter {
  const safeRefund =
    (hit: WindowHit): WindowHit['refund'] =>
    async () => {
      try {
        await hit.refund();
      } catch (error) {
        // The hit stays counted: at worst one success counts as a failure until its window ends.
        report('shared rate limit unavailable; refund dropped', 'refund', error);
      }
    };
  return {
    async hit(key, rule) {
      let hit: WindowHit;
      try {
        hit = await shared.hit(key, rule);
      } catch (error) {
        report('shared rate limit unavailable; using in-process limits', 'window', error);
        hit = await fallback.hit(key, rule);
      }
      return { allowed: hit.allowed, retryAfterSeconds: hit.retryAfterSeconds, refund: safeRefund(hit) };
    },
  };
}
