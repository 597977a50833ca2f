import { secondsUntil, type WindowLimiter } from './limiter';

/**
 * In-process fixed-window counters (atomic because JavaScript runs one hit at a time): one process, or one Workers
 * isolate, only. Past `maxKeys` the least recently hit key is forgotten.
 */
export function createMemoryWindowLimiter(now: () => number = Date.now, maxKeys = 100_000): WindowLimiter {
  const counters = new Map<string, { window: number; count: number }>();
  return {
    async hit(key, rule) {
      const windowMs = rule.windowSeconds * 1000;
      const window = Math.floor(now() / windowMs);
      const current = counters.get(key);
      // One object per key and window, so a refund can tell whether its window is still the one counted.
      const counter = current?.window === window ? current : { window, count: 0 };
      counter.count += 1;
      counters.delete(key);
      counters.set(key, counter);
      if (counters.size > maxKeys) {
        const oldest = counters.keys().next().value;
        if (oldest !== undefined) counters.delete(oldest);
      }
      const allowed = counter.count <= rule.limit;
      const resetAt = (window + 1) * windowMs;
      let refunded = false;
      return {
        allowed,
        retryAfterSeconds: allowed ? 0 : secondsUntil(resetAt, now()),
        async refund() {
          // Still this window's counter: the window has not turned over and the key was not forgotten.
          if (!allowed || refunded || counters.get(key) !== counter || now() >= resetAt) return;
          refunded = true;
          counter.count -= 1;
        },
      };
    },
  };
}
