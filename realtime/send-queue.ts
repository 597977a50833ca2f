import type uWS from 'uWebSockets.js';
import type { FirstSendTiming, Metrics } from './metrics';

export interface SendQueueOptions {
  /** Bytes uWS may buffer for a socket before frames wait here instead. */
  highWaterBytes: number;
  /** Live frames waiting here beyond which the client counts as too slow and is dropped. */
  maxQueuedFrames: number;
}

/** What every send queue of a node shares: one object, not one per connection. */
export interface SendQueueSettings extends SendQueueOptions {
  /** A delivery sent and still unreceived is not repeated before half of this. */
  resendMs: number;
  metrics: Metrics;
}

/** An `alert` frame for one connection. */
export interface OutgoingDelivery {
  deliveryId: string;
  seq: number;
  frame: string;
  /** Set on a delivery's first send: its frame written here closes the node's own latency spans. */
  timing?: FirstSendTiming;
}

interface Entry {
  frame: string;
  /** An `alert` frame not yet handed to the socket: checked against `unreceived` when it is. */
  deliveryId: string | undefined;
  timing: FirstSendTiming | undefined;
  /** Asked for by the client (its backlog at connect) or queued behind other frames: never a reason to drop it. */
  backlog: boolean;
  /** Counted in `framesSent` when it reaches the socket. */
  counted: boolean;
}

/**
 * The one ordered send queue of a dashboard connection (after centrifuge's writer.go). Frames reach the socket in
 * the order they are handed over: straight to uWS while its buffer is below the high-water mark, otherwise they
 * wait here until uWS reports `drain`, so an `alert.updated` never overtakes an older `alert` frame.
 *
 * While a resume replays from the database (`hold` … `release`), deliveries and updates handed over are held and
 * follow the replay, so the client sees no gap and no frame out of sequence; replies (welcome, pong, errors,
 * camera signalling, the replay itself) are not held.
 *
 * Backpressure: `backlog` deliveries (everything outstanding when the connection opened) may wait without limit,
 * as the client asked for them; live ones beyond `maxQueuedFrames` mean the client cannot keep up, and
 * `onOverflow` drops it — it recovers by resuming and never holds up anyone else. A delivery already sent here and
 * still unreceived is not repeated before half the resend interval. All calls happen on the event loop thread,
 * so no locking is needed.
 */
export class SendQueue {
  private readonly waiting: Entry[] = [];
  /** Entries in `waiting` that are not backlog: what `maxQueuedFrames` bounds. */
  private waitingLive = 0;
  /** Deliveries and updates handed over during a resume, in order; null when no resume runs. */
  private held: Entry[] | null = null;
  private heldLive = 0;
  private isClosed = false;
  private waiters: (() => void)[] = [];
  /** Deliveries sent on this connection without a receipt yet, and when: a second node or wake-up never repeats one early. */
  private readonly unreceived = new Map<string, number>();

  constructor(
    private readonly socket: uWS.WebSocket<unknown>,
    private readonly options: SendQueueSettings,
    private readonly onOverflow: () => void,
  ) {}

  /** An `alert` frame, in order with the other deliveries and updates; false when it was not sent (yet). */
  deliver(delivery: OutgoingDelivery, backlog: boolean): boolean {
    if (this.isClosed) return false;
    if (this.held || this.waiting.length > 0 || this.aboveHighWater()) {
      return this.enqueue(deliveryEntry(delivery, backlog));
    }
    return this.writeDelivery(delivery.deliveryId, delivery.frame, delivery.timing);
  }

  /**
   * An `alert.updated` (or `ping`) frame: it waits behind any alert frames still waiting here, so a dashboard never
   * sees an update overtaken by an older snapshot of the same alert.
   */
  update(frame: string): boolean {
    if (this.isClosed) return false;
    if (this.held || this.waiting.length > 0) return this.enqueue(frameEntry(frame, true, true));
    return this.reply(frame, true);
  }

  /**
   * A reply or a replayed frame: not held by a resume. `counted` frames count in `framesSent`; a replayed
   * delivery still outstanding passes `deliveryId` so it is not repeated if it was just sent here.
   */
  reply(frame: string, counted: boolean, deliveryId?: string): boolean {
    if (this.isClosed) return false;
    const behind = this.waiting.length > 0 || this.aboveHighWater();
    if (deliveryId !== undefined) {
      // Replayed because the client asked: it waits its turn without counting against the limit.
      if (!behind) return this.writeDelivery(deliveryId, frame, undefined);
      this.push({ frame, deliveryId, timing: undefined, backlog: true, counted: true });
      return true;
    }
    if (behind) {
      if (this.waitingLive >= this.options.maxQueuedFrames) return this.overflow();
      this.push(frameEntry(frame, false, false));
    } else if (this.socket.send(frame, false) === DROPPED) this.push(frameEntry(frame, false, false));
    if (counted) this.options.metrics.framesSent++;
    return true;
  }

  /** The client confirmed (or acknowledged) this delivery: a later send of it goes out at once. */
  received(deliveryId: string): void {
    this.unreceived.delete(deliveryId);
  }

  /** A resume starts: deliveries and updates wait until `release`. */
  hold(): void {
    this.held ??= [];
  }

  get holding(): boolean {
    return this.held !== null;
  }

  /** The replay is sent: what was held follows it, except deliveries the replay already carried. */
  release(replayed: ReadonlySet<string>): void {
    const held = this.held;
    this.held = null;
    this.heldLive = 0;
    if (!held || this.isClosed) return;
    for (const entry of held) {
      if (entry.deliveryId !== undefined && replayed.has(entry.deliveryId)) continue;
      if (this.waiting.length > 0 || this.aboveHighWater()) {
        if (!this.enqueue(entry)) return;
      } else if (!this.write(entry)) this.push(entry);
    }
  }

  /** uWS drained some backpressure: hand over waiting frames until its buffer fills again. */
  drain(): void {
    while (!this.isClosed && this.waiting.length > 0 && !this.aboveHighWater()) {
      const entry = this.waiting[0];
      if (entry === undefined) break;
      if (!this.write(entry)) return;
      this.waiting.shift();
      if (!entry.backlog) this.waitingLive--;
    }
    if (this.writable) this.wake();
  }

  /** Nothing waits here and uWS is below the high-water mark: a bulk sender may hand over more. */
  get writable(): boolean {
    return !this.isClosed && this.waiting.length === 0 && !this.aboveHighWater();
  }

  /**
   * Resolves once the socket is writable again (or closed). A resume replaying thousands of deliveries awaits
   * this between frames, so it follows the client's pace instead of overflowing the queue.
   */
  whenWritable(): Promise<void> {
    if (this.writable || this.isClosed) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Closed with its connection (or for overflowing): everything handed over from now on is refused. */
  get closed(): boolean {
    return this.isClosed;
  }

  close(): void {
    this.isClosed = true;
    this.waiting.length = 0;
    this.waitingLive = 0;
    this.held = null;
    this.wake();
  }

  private aboveHighWater(): boolean {
    return this.socket.getBufferedAmount() > this.options.highWaterBytes;
  }

  /** Held during a resume, otherwise waiting; a live one beyond the limit drops the client. */
  private enqueue(entry: Entry): boolean {
    if (this.held) {
      if (!entry.backlog) {
        if (this.heldLive >= this.options.maxQueuedFrames) return this.overflow();
        this.heldLive++;
      }
      this.held.push(entry);
      return true;
    }
    if (!entry.backlog && this.waitingLive >= this.options.maxQueuedFrames) return this.overflow();
    this.push(entry);
    return true;
  }

  private push(entry: Entry): void {
    this.waiting.push(entry);
    if (!entry.backlog) this.waitingLive++;
  }

  /**
   * Hands one entry to the socket; false when uWS dropped it (over its own limit), in which case the entry stays
   * first in line as a plain frame (its delivery bookkeeping is done).
   */
  private write(entry: Entry): boolean {
    if (entry.deliveryId !== undefined) {
      const deliveryId = entry.deliveryId;
      entry.deliveryId = undefined;
      if (!this.mayRepeat(deliveryId)) return true;
      if (entry.timing) this.options.metrics.firstFrameWritten(entry.timing);
      this.options.metrics.framesSent++;
      entry.counted = false;
    } else if (entry.counted) {
      this.options.metrics.framesSent++;
      entry.counted = false;
    }
    return this.socket.send(entry.frame, false) !== DROPPED;
  }

  /** A delivery written now, or waiting first in line if uWS drops it. */
  private writeDelivery(deliveryId: string, frame: string, timing: FirstSendTiming | undefined): boolean {
    if (!this.mayRepeat(deliveryId)) return false;
    this.options.metrics.framesSent++;
    if (timing) this.options.metrics.firstFrameWritten(timing);
    if (this.socket.send(frame, false) === DROPPED) this.push(frameEntry(frame, false, false));
    return true;
  }

  private mayRepeat(deliveryId: string): boolean {
    const sentAt = this.unreceived.get(deliveryId);
    const now = Date.now();
    if (sentAt !== undefined && now - sentAt < this.options.resendMs / 2) return false;
    this.unreceived.set(deliveryId, now);
    return true;
  }

  private overflow(): false {
    this.close();
    this.onOverflow();
    return false;
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
  }
}

/** uWS `send` result: 0 = buffered (backpressure building), 1 = written, 2 = dropped (over maxBackpressure). */
const DROPPED = 2;

function deliveryEntry(delivery: OutgoingDelivery, backlog: boolean): Entry {
  return { frame: delivery.frame, deliveryId: delivery.deliveryId, timing: delivery.timing, backlog, counted: true };
}

function frameEntry(frame: string, backlog: boolean, counted: boolean): Entry {
  return { frame, deliveryId: undefined, timing: undefined, backlog, counted };
}
