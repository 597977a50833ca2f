import type { Logger } from '../core/logger';
import { markDeliveredMany, type Receipt, type ReceiptResult } from '../db/alerts/outstanding';
import type { Sql } from '../db/client';
import { Batcher } from './batcher';

/**
 * Collects `received` frames from every connection and records them in batches (`Batcher`): a broadcast makes
 * thousands of dashboards confirm at once.
 */
export class ReceiptBatcher {
  private readonly writer: Batcher<Receipt, ReceiptResult>;

  constructor(sql: Sql, nodeId: string, logger: Logger, maxBatch = 1000) {
    this.writer = new Batcher((receipts) => markDeliveredMany(sql, receipts, nodeId), {
      logger,
      what: 'receipt',
      maxBatch,
      missing: 'unknown',
    });
  }

  record(receipt: Receipt): Promise<ReceiptResult> {
    return this.writer.add(receipt);
  }

  /** Resolves once every receipt handed over so far is recorded (or failed): shutdown waits for this. */
  drained(): Promise<void> {
    return this.writer.drained();
  }
}
