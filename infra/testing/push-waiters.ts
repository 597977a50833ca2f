// Lets tests await what the push service receives instead of sleeping. Each arrival is offered to every waiter
// once, so waiting costs O(waiters) per message, never a rescan of everything received.

interface Waiter<T> {
  predicate: (item: T) => boolean;
  count: number;
  found: T[];
  resolve: (items: T[]) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

export class Waiters<T> {
  private readonly waiting = new Set<Waiter<T>>();

  /**
   * Resolves with the first `count` items that satisfy `predicate`, counting `already` (what arrived before the
   * call) first; rejects after `timeoutMs` saying how many it found.
   */
  wait(already: readonly T[], predicate: (item: T) => boolean, count: number, timeoutMs: number): Promise<T[]> {
    const found: T[] = [];
    try {
      for (const item of already) {
        if (found.length === count) break;
        if (predicate(item)) found.push(item);
      }
    } catch (error) {
      return Promise.reject(error);
    }
    if (found.length === count) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter: Waiter<T> = {
        predicate,
        count,
        found,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiting.delete(waiter);
          reject(new Error(`waited ${timeoutMs} ms for ${count} matching messages, ${found.length} arrived`));
        }, timeoutMs),
      };
      this.waiting.add(waiter);
    });
  }

  offer(item: T): void {
    for (const waiter of this.waiting) {
      if (!this.matches(waiter, item)) continue;
      waiter.found.push(item);
      if (waiter.found.length < waiter.count) continue;
      clearTimeout(waiter.timer);
      this.waiting.delete(waiter);
      waiter.resolve(waiter.found);
    }
  }

  /** A predicate that throws fails its own wait, not the request that delivered the item. */
  private matches(waiter: Waiter<T>, item: T): boolean {
    try {
      return waiter.predicate(item);
    } catch (error) {
      clearTimeout(waiter.timer);
      this.waiting.delete(waiter);
      waiter.reject(error instanceof Error ? error : new Error(String(error)));
      return false;
    }
  }

  rejectAll(reason: string): void {
    for (const waiter of this.waiting) {
      clearTimeout(waiter.timer);
      waiter.reject(new Error(`${reason}: ${waiter.found.length} of ${waiter.count} matching messages had arrived`));
    }
    this.waiting.clear();
  }
}
