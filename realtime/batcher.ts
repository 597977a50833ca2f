import type { Logger } from '../core/logger';

/**
 * Collects items from many callers and handles them in batches: one statement (and one commit, for writes) per batch
 * instead of one per item, which matters when thousands arrive at once (a broadcast's receipts, a reconnect storm's
 * session checks). Batches run one at a time; an item waits at most one batch. If a batch fails as a whole, its
 * items are handled one by one, so one bad row cannot fail the others.
 */
export class Batcher<Item, Result> {
  private waiting: { item: Item; resolve: (result: Result) => void; reject: (error: Error) => void }[] = [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly handle: (items: Item[]) => Promise<Result[]>,
    private readonly options: {
      logger: Logger;
      what: string;
      maxBatch?: number;
      missing: Result;
      /** How long a batch waits for more items before it is handled (0: only for the current burst of callers). */
      lingerMs?: number;
    },
  ) {}

  add(item: Item): Promise<Result> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.flushing) this.flushing = this.flush();
    });
  }

  /** Resolves once every item handed over so far is handled (or failed): shutdown waits for this. */
  async drained(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    // Let the current burst of callers (or, with lingerMs, those of the next moments) queue up first.
    const lingerMs = this.options.lingerMs ?? 0;
    await new Promise((resolve) => (lingerMs > 0 ? setTimeout(resolve, lingerMs) : setImmediate(resolve)));
    const { maxBatch = 1000, missing, logger, what } = this.options;
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, maxBatch);
      try {
        const results = await this.handle(batch.map((entry) => entry.item));
        for (const [index, entry] of batch.entries()) entry.resolve(results[index] ?? missing);
      } catch (error) {
        logger.warn(`${what} batch failed; retrying one by one`, { error: (error as Error).message });
        for (const entry of batch) {
          await this.handle([entry.item])
            .then(([result]) => entry.resolve(result ?? missing))
            .catch(entry.reject);
        }
      }
    }
    this.flushing = null;
  }
}
