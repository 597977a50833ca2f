import type uWS from 'uWebSockets.js';

export interface WriterOptions {
  /** Bytes uWS may buffer for a socket before we stop handing it frames and queue them here. */
  highWaterBytes: number;
  /** Frames queued here beyond which the client counts as too slow and is dropped. */
  maxQueuedFrames: number;
}

/**
 * A bounded send queue for one socket (after centrifuge's writer.go). Frames go straight to uWS while its buffer
 * is below the high-water mark; beyond it they wait here until uWS reports `drain`. A queue that overflows means
 * the client cannot keep up: `onOverflow` drops it, and it recovers by reconnecting with `resume` — it never
 * holds up anyone else. All calls happen on the event loop thread, so no locking is needed.
 */
export class Writer {
  private readonly queue: (string | Uint8Array)[] = [];
  private closed = false;
  private waiters: (() => void)[] = [];

  constructor(
    private readonly socket: uWS.WebSocket<unknown>,
    private readonly options: WriterOptions,
    private readonly onOverflow: () => void,
  ) {}

  /** Queues or sends one text frame; false when the socket is closed or was just dropped for being slow. */
  send(frame: string | Uint8Array): boolean {
    if (this.closed) return false;
    if (this.queue.length > 0 || this.socket.getBufferedAmount() > this.options.highWaterBytes) {
      if (this.queue.length >= this.options.maxQueuedFrames) {
        this.close();
        this.onOverflow();
        return false;
      }
      this.queue.push(frame);
      return true;
    }
    // 0 = buffered by uWS (backpressure building; later frames queue here), 1 = written, 2 = dropped by uWS.
    const status = this.socket.send(frame, false);
    if (status === 2) this.queue.push(frame);
    return true;
  }

  /** uWS drained some backpressure: hand over queued frames until its buffer fills again. */
  drain(): void {
    while (!this.closed && this.queue.length > 0 && this.socket.getBufferedAmount() <= this.options.highWaterBytes) {
      const frame = this.queue[0];
      if (frame === undefined) break;
      if (this.socket.send(frame, false) === 2) return;
      this.queue.shift();
    }
    if (this.writable) this.release();
  }

  /** Nothing waits here and uWS is below the high-water mark: a bulk sender may hand over more. */
  get writable(): boolean {
    return !this.closed && this.queue.length === 0 && this.socket.getBufferedAmount() <= this.options.highWaterBytes;
  }

  /**
   * Resolves once the socket is writable again (or closed). Bulk senders (a resume replaying thousands of
   * deliveries) await this between frames, so they follow the client's pace instead of overflowing the queue.
   */
  whenWritable(): Promise<void> {
    if (this.writable || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }

  get queued(): number {
    return this.queue.length;
  }

  close(): void {
    this.closed = true;
    this.queue.length = 0;
    this.release();
  }
}
