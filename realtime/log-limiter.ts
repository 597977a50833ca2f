import type { LogFields, Logger } from '../core/logger';

export interface LogLimits {
  /** Lines of one message logged in full per interval. */
  burst: number;
  intervalMs: number;
}

export const CONNECTION_LOG_LIMITS: LogLimits = { burst: 3, intervalMs: 10_000 };

/**
 * One connection's repeated log lines, rate-limited: per message, the first `burst` in an interval are logged in
 * full; the rest are only counted, and one summary line per message and interval says how many were left out.
 * The summary is written when the next line of that connection comes after the interval, or at `flush()` (close),
 * so no timer runs per connection. A client sending thousands of bad frames costs a few lines, not thousands.
 */
export class LogLimiter {
  private windowStart: number;
  private readonly counts = new Map<string, { level: 'warn' | 'error'; logged: number; left: number }>();

  constructor(
    private readonly logger: Logger,
    private readonly context: LogFields,
    private readonly limits: LogLimits = CONNECTION_LOG_LIMITS,
    private readonly now: () => number = Date.now,
  ) {
    this.windowStart = now();
  }

  warn(message: string, fields?: LogFields): void {
    this.log('warn', message, fields);
  }

  error(message: string, fields?: LogFields): void {
    this.log('error', message, fields);
  }

  /** Writes the summaries of the current interval (call when the connection ends). */
  flush(): void {
    for (const [message, count] of this.counts) {
      if (count.left > 0) {
        this.logger[count.level](`${message} (repeated)`, {
          ...this.context,
          omitted: count.left,
          logged: count.logged,
          intervalMs: this.limits.intervalMs,
        });
      }
    }
    this.counts.clear();
    this.windowStart = this.now();
  }

  private log(level: 'warn' | 'error', message: string, fields?: LogFields): void {
    if (this.now() - this.windowStart >= this.limits.intervalMs) this.flush();
    let count = this.counts.get(message);
    if (!count) {
      count = { level, logged: 0, left: 0 };
      this.counts.set(message, count);
    }
    if (count.logged < this.limits.burst) {
      count.logged++;
      this.logger[level](message, { ...this.context, ...fields });
    } else {
      count.left++;
    }
  }
}
