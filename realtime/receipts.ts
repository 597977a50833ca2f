import type { Logger } from '../core/logger';
import { markDeliveredMany, type Receipt, type ReceiptResult } from '../db/alerts/outstanding';
import type { Sql } from '../db/client';

/**
 * Collects `received` frames from every connection and records them in batches: one statement (and one commit)
 * per batch instead of one per frame, which matters when a broadcast makes thousands of dashboards confirm at
 * once. Batches run one at a time; a receipt waits at most one batch. If a batch fails as a whole, its receipts
 * are retried one by one so one bad row cannot lose the others.
 */
export class ReceiptBatcher {
  private waiting: { receipt: Receipt; resolve: (result: ReceiptResult) => void; reject: (error: Error) => void }[] =
    [];
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly sql: Sql,
    private readonly nodeId: string,
    private readonly logger: Logger,
    private readonly maxBatch = 1000,
  ) {}

  record(receipt: Receipt): Promise<ReceiptResult> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ receipt, resolve, reject });
      if (!this.flushing) this.flushing = this.flush();
    });
  }

  /** Resolves once every receipt handed over so far is recorded (or failed): shutdown waits for this. */
  async drained(): Promise<void> {
    while (this.flushing) await this.flushing;
  }

  private async flush(): Promise<void> {
    // Let the current burst of socket messages queue up first.
    await new Promise((resolve) => setImmediate(resolve));
    while (this.waiting.length > 0) {
      const batch = this.waiting.splice(0, this.maxBatch);
      try {
        const results = await markDeliveredMany(
          this.sql,
          batch.map((entry) => entry.receipt),
          this.nodeId,
        );
        for (const [index, entry] of batch.entries()) entry.resolve(results[index] ?? 'unknown');
      } catch (error) {
        this.logger.warn('receipt batch failed; retrying one by one', { error: (error as Error).message });
        for (const entry of batch) {
          await markDeliveredMany(this.sql, [entry.receipt], this.nodeId)
            .then(([result]) => entry.resolve(result ?? 'unknown'))
            .catch(entry.reject);
        }
      }
    }
    this.flushing = null;
  }
}
