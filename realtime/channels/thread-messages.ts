import type { Metrics } from '../metrics';

/** The channel spans the thread observes into the node's `/metrics`. */
export type SpanName = 'channelCreatedToClaimed' | 'channelRequest' | 'channelOutcomeRecorded';

export type ToChannelThread = { type: 'stop' };
export type FromChannelThread =
  | { type: 'started' }
  | { type: 'stopped' }
  | { type: 'spans'; batch: [SpanName, number][] };

const FLUSH_MS = 250;

/** Collects span observations and hands them over a batch at a time (a message per observation would cost more). */
export class SpanRelay {
  private batch: [SpanName, number][] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly send: (batch: [SpanName, number][]) => void) {}

  observe(name: SpanName, seconds: number): void {
    this.batch.push([name, seconds]);
    this.timer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.batch.length === 0) return;
    this.send(this.batch);
    this.batch = [];
  }
}

export function observeSpans(metrics: Pick<Metrics, SpanName>, batch: [SpanName, number][]): void {
  for (const [name, seconds] of batch) metrics[name].observe(seconds);
}
