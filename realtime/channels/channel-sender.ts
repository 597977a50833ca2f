import type { Logger } from '../../core/logger';
import { CHANNEL_ATTEMPTS_CHANNEL } from '../../db/alerts/channel';
import {
  type AttemptOutcome,
  type AttemptResult,
  recordAttemptOutcomes,
} from '../../db/alerts/channels/attempt-outcome';
import { type ClaimedAttempt, claimDueAttempts, nextAttemptDue } from '../../db/alerts/channels/claim-attempts';
import type { Sql } from '../../db/client';
import type { NotificationChannel } from '../../db/schema/notifications';
import { Batcher } from '../batcher';
import { type PushSettings, sendPush } from './push-sender';
import { sendWebhook, type WebhookSettings } from './webhook-sender';

/** Where one of the channel path's spans is observed (a histogram of the node's `/metrics`, via the thread). */
export interface SpanObserver {
  observe(seconds: number): void;
}

export interface ChannelSenderOptions {
  /** A pool of its own: a slow provider holds this sender's connections, never the dashboards'. */
  sql: Sql;
  nodeId: string;
  logger: Logger;
  push?: PushSettings;
  webhook?: WebhookSettings;
  /** Requests in flight at once; a claim takes at most the free slots. */
  concurrency: number;
  /** Seconds a claim holds an attempt: longer than a request's timeout, or a slow one would be sent twice. */
  leaseSeconds: number;
  /** The sender looks for due attempts at least this often (lost wake-ups, expired leases of a killed node). */
  pollMs: number;
  /** Where the channel path's spans are observed (relayed to the node's /metrics). */
  metrics?: Record<'channelCreatedToClaimed' | 'channelRequest' | 'channelOutcomeRecorded', SpanObserver>;
}

const OUTCOME_LINGER_MS = 50;

/**
 * Sends due channel attempts (push, webhook) from the database: woken by the NOTIFY of a transaction that queued
 * some, by a timer set to the next due attempt, and by a poll. Each claim leases attempts (`claimDueAttempts`), so
 * any number of nodes may run this; requests run concurrently up to `concurrency`, each bounded by its timeout, and
 * never on the dashboard dispatcher's path: a dead push service fills this sender's slots and nothing else.
 */
export class ChannelSender {
  private readonly channels: NotificationChannel[];
  /** Requests waiting for their provider's answer (each holds one of `concurrency` slots). */
  private inFlight = 0;
  /** Answered requests whose outcomes are not committed yet. */
  private recording = 0;
  private claiming: Promise<void> | null = null;
  /** The latest read of the next due time; the timer follows the one started last (the freshest view). */
  private scheduling: Promise<void> | null = null;
  private schedulingTicket = 0;
  private claimAgain = false;
  /** A claim found no free slot: the next request to finish claims again. */
  private starved = false;
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private stopped = false;
  private unlisten: (() => Promise<void>) | undefined;
  private idle: (() => void)[] = [];
  /** Outcomes are recorded a batch per statement: at 100 alerts/s with two channels, one commit per request adds up. */
  private readonly outcomes: Batcher<AttemptResult, true>;

  constructor(private readonly options: ChannelSenderOptions) {
    this.channels = [...(options.push ? ['push' as const] : []), ...(options.webhook ? ['webhook' as const] : [])];
    this.outcomes = new Batcher(
      async (results) => {
        const { followUpError } = await recordAttemptOutcomes(options.sql, options.nodeId, results);
        if (followUpError) {
          options.logger.error('channel outcomes recorded; a follow-up (marking subscriptions, resending) failed', {
            error: followUpError,
          });
        }
        return results.map(() => true as const);
      },
      // Nobody waits for an outcome (the provider has the message; the lease holds the attempt meanwhile), so it
      // lingers to share a commit with others: one per request was the channel path's largest database cost.
      { logger: options.logger, what: 'channel outcome', maxBatch: 500, missing: true, lingerMs: OUTCOME_LINGER_MS },
    );
  }

  /** The channels this node sends; none = nothing to start. */
  get sends(): readonly NotificationChannel[] {
    return this.channels;
  }

  async start(): Promise<void> {
    if (this.channels.length === 0) return;
    const listening = await this.options.sql.listen(
      CHANNEL_ATTEMPTS_CHANNEL,
      () => this.kick(),
      () => this.kick(),
    );
    this.unlisten = listening.unlisten;
    this.kick();
  }

  /** Looks for due attempts now (coalesced: a claim under way looks again when it ends). */
  kick(): void {
    if (this.stopped) return;
    if (this.claiming) {
      this.claimAgain = true;
      return;
    }
    this.claiming = this.claimLoop().finally(() => {
      this.claiming = null;
      // A wake-up the loop did not look again for (it stopped with no free slot or on an error): look now.
      if (this.claimAgain) this.kick();
    });
  }

  /** Stops claiming and waits for the requests under way (each ends within its timeout) and their outcomes. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.unlisten?.().catch(() => {});
    await this.claiming;
    await this.scheduling;
    if (this.inFlight > 0 || this.recording > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
  }

  private async claimLoop(): Promise<void> {
    const { sql, nodeId, logger } = this.options;
    do {
      this.claimAgain = false;
      const free = this.options.concurrency - this.inFlight;
      if (free <= 0) {
        this.starved = true;
        break;
      }
      try {
        const claimed = await claimDueAttempts(sql, {
          nodeId,
          leaseSeconds: this.options.leaseSeconds,
          limit: free,
          channels: this.channels,
        });
        const claimedAt = performance.now();
        const metrics = this.options.metrics;
        for (const attempt of claimed) {
          if (metrics && attempt.tries === 1) {
            metrics.channelCreatedToClaimed.observe(Math.max(0, Date.now() - attempt.deliveryCreatedAtMs) / 1000);
          }
          void this.send(attempt, claimedAt);
        }
        if (claimed.length === free) this.claimAgain = true;
      } catch (error) {
        logger.warn('claiming channel attempts failed; retried on the next poll', { error: (error as Error).message });
        break;
      }
    } while (this.claimAgain && !this.stopped);
    // Not awaited: a wake-up that comes while the next due time is read claims at once, not after that read.
    this.scheduling = this.scheduleNext();
  }

  private async scheduleNext(): Promise<void> {
    if (this.stopped) return;
    const ticket = ++this.schedulingTicket;
    let at = Date.now() + this.options.pollMs;
    try {
      const due = await nextAttemptDue(this.options.sql, this.channels);
      if (due) at = Math.min(at, due.getTime());
    } catch {
      // The poll interval then.
    }
    // Reads overlap when claims follow each other closely; one started earlier may answer later with an older view.
    if (ticket !== this.schedulingTicket || this.stopped) return;
    this.timerAt = Number.POSITIVE_INFINITY;
    this.wakeAt(at);
  }

  /** Claims again at `at` (epoch ms), unless a wake-up is already set earlier. */
  private wakeAt(at: number): void {
    if (this.stopped || at >= this.timerAt) return;
    clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(
      () => {
        this.timerAt = Number.POSITIVE_INFINITY;
        this.kick();
      },
      Math.max(0, at - Date.now()),
    );
  }

  /**
   * One request; its slot is free again as soon as the provider answers. Its outcome is then recorded with the next
   * batch: until that commits the attempt stays leased, so no other claim can send it again meanwhile.
   */
  private async send(attempt: ClaimedAttempt, claimedAt: number): Promise<void> {
    this.inFlight++;
    const { logger, metrics } = this.options;
    let outcome: AttemptOutcome;
    try {
      outcome = await this.request(attempt);
    } finally {
      this.requestEnded();
    }
    const answeredAt = performance.now();
    metrics?.channelRequest.observe((answeredAt - claimedAt) / 1000);
    this.recording++;
    try {
      await this.outcomes.add({ attemptId: attempt.id, outcome });
      metrics?.channelOutcomeRecorded.observe((performance.now() - answeredAt) / 1000);
      if (outcome.kind === 'retry') this.wakeAt(Date.now() + outcome.retryInSeconds * 1000);
      // Queued again at once when the subscription had moved to a new endpoint meanwhile.
      if (outcome.kind === 'gone') this.kick();
      if (outcome.kind === 'failed' || outcome.kind === 'gone') {
        // Not the endpoint: it is the device's capability URL, not for logs.
        const { kind, providerStatus, detail } = outcome;
        const what = kind === 'gone' ? 'push subscription gone at its push service' : 'channel attempt failed';
        logger.warn(what, { attemptId: attempt.id, channel: attempt.channel, kind, providerStatus, detail });
      }
    } catch (error) {
      // The lease runs out and the attempt is claimed again: at least once, never lost.
      logger.error('recording a channel attempt failed', { attemptId: attempt.id, error: (error as Error).message });
    } finally {
      this.recording--;
      this.settleIfIdle();
    }
  }

  private requestEnded(): void {
    this.inFlight--;
    this.settleIfIdle();
    if (this.starved) {
      this.starved = false;
      this.kick();
    }
  }

  private settleIfIdle(): void {
    if (this.inFlight === 0 && this.recording === 0) for (const resolve of this.idle.splice(0)) resolve();
  }

  private request(attempt: ClaimedAttempt): Promise<AttemptOutcome> {
    const { push, webhook } = this.options;
    if (attempt.channel === 'push' && push) return sendPush(attempt, push);
    if (attempt.channel === 'webhook' && webhook) return sendWebhook(attempt, webhook);
    return Promise.resolve({
      kind: 'failed',
      providerStatus: null,
      detail: `${attempt.channel} is not configured here`,
    });
  }
}
