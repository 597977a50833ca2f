/**
 * Counts work under way (HTTP requests, WebSocket frames being handled), so a shutdown can let it finish before
 * the database pool ends, instead of failing it half-way.
 */
export class InFlight {
  private count = 0;
  private idle: (() => void)[] = [];

  async track<T>(work: T | Promise<T>): Promise<T> {
    this.count++;
    try {
      return await work;
    } finally {
      if (--this.count === 0) for (const resolve of this.idle.splice(0)) resolve();
    }
  }

  /** Resolves when nothing is in flight, or after `timeoutMs` whatever is still running. */
  settled(timeoutMs: number): Promise<void> {
    if (this.count === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.idle.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}
