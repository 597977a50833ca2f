import type { Logger } from '../core/logger';
import { ALERTS_CHANNEL, type AlertNotification, SENT_CHANNEL, type SentNotification } from '../db/alerts/channel';
import { alertRecipients } from '../db/alerts/dispatch';
import {
  announceSent,
  type ClaimedDelivery,
  type ClaimOptions,
  claimDeliveries,
  dueDeliveries,
  failExhaustedDeliveries,
  type PeekedDelivery,
  peekDeliveries,
  releaseClaims,
} from '../db/alerts/outstanding';
import { type AlertSnapshot, alertSnapshots } from '../db/alerts/snapshot';
import type { Sql } from '../db/client';
import type { DeliveryState } from '../db/schema/alerts';
import type { Client } from './client';
import type { ConnectionRegistry } from './connection-registry';
import { sendDeliveries, sendUpdates, type UpdateChange } from './fan-out';
import type { FirstSendTiming, Metrics } from './metrics';

const OUTSTANDING: DeliveryState[] = ['pending', 'sent'];
const CLAIM_LIMIT = 5000;
/** Due deliveries a sweep looks at by due time; more than this, and it asks by the node's staff instead. */
export const SWEEP_LOOK_LIMIT = 2000;
/** How long sweeps ask by staff after a full look. */
const SWEEP_BY_STAFF_MS = 60_000;

/** `notifiedAt`: when the NOTIFY that named it reached this node (`performance.now()`). */
type Notified = PeekedDelivery & { notifiedAt: number };

export interface DispatcherOptions {
  sql: Sql;
  registry: ConnectionRegistry<Client>;
  metrics: Metrics;
  logger: Logger;
  nodeId: string;
  resendSeconds: number;
  maxSends: number;
}

/** What one pass of the loop sent: the sweep that follows it in the same turn sends none of it again. */
interface SentInPass {
  deliveryIds: ReadonlySet<string>;
  /** Staff whose backlog that pass sent (their fresh connection): the sweep's frames for them are backlog too. */
  backlogStaff: readonly string[];
}

const NOTHING_SENT: SentInPass = { deliveryIds: new Set(), backlogStaff: [] };

/**
 * Turns database wake-ups into frames. Sources of work: NOTIFY on `carewatch_alerts` (fast path), a periodic
 * sweep (safety net for lost notifications, resends and a restarted node: the `delivery-sweep` job calls `sweep`) and
 * a fresh connection (everything outstanding for its staff member); escalations arrive as NOTIFY too. Work is
 * coalesced and run by one loop, so frames for one staff member leave in the order the database handed out their
 * sequences — except what a sweep finds (re-sends, a lost wake-up), which follows the new work of the same turn.
 *
 * Several nodes: only one claims (and records) each send, but every node with a connection of that staff member
 * sends it there — for a new alert through the shared wake-up, for what a sweep claimed (re-sends, lost wake-ups)
 * through the claimer's `sent` notification.
 */
export class Dispatcher {
  /** Alerts with new deliveries to look up (the wake-up did not carry them), and when their NOTIFY came. */
  private readonly wokenAlerts = new Map<string, number>();
  /** New deliveries a wake-up carried: claimed at once, without looking them up. */
  private readonly carried: Notified[] = [];
  private readonly updates = new Map<string, UpdateChange>();
  private readonly freshStaff = new Set<string>();
  /** Deliveries another node's sweep just sent: copies for our connections. */
  private readonly sentElsewhere = new Set<string>();
  private sweepDue = false;
  /** Until then (epoch ms) a sweep asks by staff, without looking at what is due first (see runOnce). */
  private sweepByStaffUntil = 0;
  private running: Promise<void> | null = null;
  private unlisten: (() => Promise<void>)[] = [];
  private stopped = false;

  constructor(private readonly options: DispatcherOptions) {}

  async start(): Promise<void> {
    const { sql, logger } = this.options;
    // postgres.js re-runs the on-listen callback after it reconnects: notifications may have been missed, so sweep.
    const listening = await sql.listen(
      ALERTS_CHANNEL,
      (payload) => this.onNotification(payload),
      () => {
        this.sweepDue = true;
        this.kick();
      },
    );
    const listeningForSent = await sql.listen(SENT_CHANNEL, (payload) => this.onSent(payload));
    this.unlisten = [listening.unlisten, listeningForSent.unlisten];
    logger.debug('dispatcher listening', { channel: ALERTS_CHANNEL });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.unlisten.map((unlisten) => unlisten().catch(() => {})));
    await this.running;
  }

  /** A connection just joined the registry: send it everything outstanding now, not when it is next due. */
  connected(staffId: string): void {
    this.freshStaff.add(staffId);
    this.kick();
  }

  /**
   * Asks for the safety-net sweep (lost wake-ups, re-sends, a restart): the loop's next pass runs it (at once when
   * idle). Returns without waiting: under steady traffic the loop may never go idle, and each periodic request must
   * still reach it.
   */
  sweep(): void {
    this.sweepDue = true;
    this.kick();
  }

  /** Our own NOTIFY payloads; one that does not parse is logged and skipped, the periodic sweep still covers it. */
  private parsed<T>(payload: string): T | undefined {
    try {
      return JSON.parse(payload) as T;
    } catch {
      this.options.logger.warn('unreadable notification', { payload: payload.slice(0, 200) });
      return undefined;
    }
  }

  private onNotification(payload: string): void {
    const notification = this.parsed<AlertNotification>(payload);
    if (!notification) return;
    // These three create deliveries (a re-triggered alert's are fresh `alert` frames, so dashboards sound again).
    if (['created', 'escalated', 'retriggered'].includes(notification.change)) {
      const { alertId, deliveries } = notification;
      const notifiedAt = performance.now();
      if (!Array.isArray(deliveries)) {
        if (!this.wokenAlerts.has(alertId)) this.wokenAlerts.set(alertId, notifiedAt);
      } else for (const [id, staffId, seq] of deliveries) this.carried.push({ id, alertId, staffId, seq, notifiedAt });
    }
    const change = notification.change;
    if (change !== 'created') this.updates.set(notification.alertId, change);
    this.kick();
  }

  /** Another node's sweep sent these: our connections of the same staff members get them too. */
  private onSent(payload: string): void {
    const notification = this.parsed<SentNotification>(payload);
    if (!notification || notification.nodeId === this.options.nodeId) return;
    for (const deliveryId of notification.deliveryIds) this.sentElsewhere.add(deliveryId);
    this.kick();
  }

  private kick(): void {
    if (this.stopped || this.running) return;
    this.running = this.loop().finally(() => {
      this.running = null;
      if (this.hasWork()) this.kick();
    });
  }

  private hasWork(): boolean {
    return (
      this.sweepDue ||
      this.wokenAlerts.size > 0 ||
      this.carried.length > 0 ||
      this.updates.size > 0 ||
      this.freshStaff.size > 0 ||
      this.sentElsewhere.size > 0
    );
  }

  private async loop(): Promise<void> {
    while (!this.stopped && this.hasWork()) {
      const fresh = [...this.freshStaff];
      const woken = new Map(this.wokenAlerts);
      const carried = this.carried.splice(0);
      const updates = [...this.updates];
      const sentElsewhere = [...this.sentElsewhere];
      const sweep = this.sweepDue;
      this.freshStaff.clear();
      this.wokenAlerts.clear();
      this.updates.clear();
      this.sentElsewhere.clear();
      this.sweepDue = false;
      const urgent =
        fresh.length > 0 || woken.size > 0 || carried.length > 0 || updates.length > 0 || sentElsewhere.length > 0;
      let sentBefore: SentInPass = NOTHING_SENT;
      if (urgent)
        await this.pass(
          async (claimed) => {
            sentBefore = await this.runOnce(fresh, { woken, carried }, updates, false, sentElsewhere, claimed);
          },
          () => {
            for (const staffId of fresh) this.freshStaff.add(staffId);
            for (const [alertId, at] of woken) if (!this.wokenAlerts.has(alertId)) this.wokenAlerts.set(alertId, at);
            this.carried.push(...carried);
            for (const [alertId, change] of updates) if (!this.updates.has(alertId)) this.updates.set(alertId, change);
            for (const deliveryId of sentElsewhere) this.sentElsewhere.add(deliveryId);
          },
        );
      // The safety net runs after the frames of new work have left: its look, claims and failed-marking never hold up
      // a first send. It runs even when that pass failed (work that keeps failing must not stop re-sends), and it
      // sends nothing that pass has just sent.
      if (sweep && !this.stopped) {
        const after = sentBefore;
        await this.pass(
          async (claimed) => {
            await this.runOnce([], { woken: new Map(), carried: [] }, [], true, [], claimed, after);
          },
          () => {},
        );
      }
    }
  }

  /**
   * One pass of the loop. On failure the database stays the source of truth: what the pass claimed is made due
   * again, its work is queued once more (`requeue`) with a sweep, so a failure costs the retry's 500 ms, not a
   * re-send interval.
   */
  private async pass(run: (claimed: ClaimedDelivery[]) => Promise<void>, requeue: () => void): Promise<void> {
    // Every claim is recorded the moment it commits, before anything else of the pass can fail: a failure then
    // releases exactly what this pass claimed, whichever query threw.
    const claimed: ClaimedDelivery[] = [];
    try {
      await run(claimed);
    } catch (error) {
      this.options.logger.error('dispatch failed', { error: (error as Error).message });
      await this.releaseAfterFailure(claimed.map((delivery) => delivery.id));
      requeue();
      await new Promise((resolve) => setTimeout(resolve, 500));
      this.sweepDue = true;
    }
  }

  private async runOnce(
    fresh: string[],
    { woken, carried }: { woken: Map<string, number>; carried: Notified[] },
    updates: [string, UpdateChange][],
    sweep: boolean,
    sentElsewhere: string[],
    claimed: ClaimedDelivery[],
    before: SentInPass = NOTHING_SENT,
  ): Promise<SentInPass> {
    const { sql, registry, nodeId, resendSeconds, maxSends } = this.options;
    const peeked: PeekedDelivery[] = [];
    const known = new Map<string, AlertSnapshot>();
    const connectedFresh = fresh.filter((staffId) => registry.connectionsOf(staffId));
    const base = { resendSeconds, maxSends, nodeId, limit: CLAIM_LIMIT };
    /** First sends claimed in this pass, with the node's own timestamps: their frames close the spans. */
    const timings = new Map<string, FirstSendTiming>();
    // Recorded the moment it commits (see pass).
    const claim = async (options: Pick<ClaimOptions, 'staffIds' | 'deliveryIds' | 'ignoreSchedule'>) => {
      const rows = await claimDeliveries(sql, { ...base, ...options });
      claimed.push(...rows);
      const claimedAt = performance.now();
      for (const row of rows) if (row.sendCount === 1) timings.set(row.id, { claimedAt, written: false });
      return rows;
    };
    if (connectedFresh.length > 0) {
      const rows = await claim({ staffIds: connectedFresh, ignoreSchedule: true });
      if (rows.length >= CLAIM_LIMIT) for (const staffId of connectedFresh) this.freshStaff.add(staffId);
      peeked.push(...(await peekDeliveries(sql, { staffIds: connectedFresh, states: OUTSTANDING })));
    }
    const carriedHere = carried.filter((delivery) => registry.connectionsOf(delivery.staffId));
    if (registry.staffCount > 0 && (woken.size > 0 || carriedHere.length > 0)) {
      // The path every new alert takes, in one round trip when the wake-up carried its deliveries: claim those
      // for someone connected here by id, with the alerts' snapshots read alongside. Alerts whose wake-up did not
      // carry them (a broadcast to thousands) are looked up first, by alert, then claimed the same way.
      const [, outstanding, snapshots] = await Promise.all([
        claim({ deliveryIds: carriedHere.map((delivery) => delivery.id) }),
        woken.size > 0 ? peekDeliveries(sql, { alertIds: [...woken.keys()], states: OUTSTANDING }) : [],
        alertSnapshots(sql, [...new Set([...woken.keys(), ...carriedHere.map((delivery) => delivery.alertId)])]),
      ]);
      for (const [alertId, snapshot] of snapshots) known.set(alertId, snapshot);
      const found = outstanding.filter((delivery) => registry.connectionsOf(delivery.staffId));
      const rows = await claim({ deliveryIds: found.map((delivery) => delivery.id) });
      // A full batch means more is waiting (e.g. a broadcast to thousands): go round again at once.
      if (rows.length >= CLAIM_LIMIT) for (const [alertId, at] of woken) this.wokenAlerts.set(alertId, at);
      peeked.push(...carriedHere, ...found);
      for (const delivery of carriedHere) setNotified(timings, delivery.id, delivery.notifiedAt);
      for (const delivery of found) setNotified(timings, delivery.id, woken.get(delivery.alertId));
    }
    const swept: string[] = [];
    if (registry.staffCount > 0 && sweep) {
      // What is due, then the part of it for staff connected here. Due rows of staff connected nowhere (pending until
      // someone acknowledges) stay due: past the look limit they could hide ours, so then it asks by staff.
      // Once the look came back full, the next sweeps ask by staff straight away for a while (rows of people
      // connected nowhere stay due until acknowledged): the look is then tried again now and then, not every time.
      const due =
        Date.now() < this.sweepByStaffUntil ? null : await dueDeliveries(sql, { maxSends, limit: SWEEP_LOOK_LIMIT });
      if (due && due.length >= SWEEP_LOOK_LIMIT) this.sweepByStaffUntil = Date.now() + SWEEP_BY_STAFF_MS;
      const rows =
        !due || due.length >= SWEEP_LOOK_LIMIT
          ? await claim({ staffIds: registry.staffIds() })
          : await claim({
              deliveryIds: due.filter((delivery) => registry.connectionsOf(delivery.staffId)).map(({ id }) => id),
            });
      if (rows.length >= CLAIM_LIMIT) this.sweepDue = true;
      swept.push(...rows.map((delivery) => delivery.id));
    }
    if (registry.staffCount > 0 && sentElsewhere.length > 0) {
      // Still unreceived: a receipt on any node ends the copies too.
      const rows = await peekDeliveries(sql, { deliveryIds: sentElsewhere, states: ['sent'] });
      peeked.push(...rows.filter((delivery) => registry.connectionsOf(delivery.staffId)));
    }
    if (sweep) this.options.metrics.deliveriesFailed += await failExhaustedDeliveries(sql, maxSends, nodeId);

    const updateTargets = updates.length > 0 ? await this.updateTargets(updates.map(([alertId]) => alertId)) : [];
    // Another node may have claimed some of these: its send is recorded there; ours only reaches our sockets.
    const claimedIds = new Set(claimed.map((delivery) => delivery.id));
    const others = peeked.filter((delivery) => !claimedIds.has(delivery.id));
    const toSend = [...claimed, ...others].filter((delivery) => !before.deliveryIds.has(delivery.id));
    const sent: SentInPass = { deliveryIds: new Set(toSend.map(({ id }) => id)), backlogStaff: connectedFresh };
    if (toSend.length === 0 && updateTargets.length === 0) {
      if (swept.length > 0) await this.announceSwept(swept);
      return sent;
    }
    const missing = [...toSend.map((delivery) => delivery.alertId), ...updates.map(([alertId]) => alertId)].filter(
      (alertId) => !known.has(alertId),
    );
    const snapshots = missing.length > 0 ? await alertSnapshots(sql, missing) : new Map<string, AlertSnapshot>();
    for (const [alertId, snapshot] of known) if (!snapshots.has(alertId)) snapshots.set(alertId, snapshot);
    // Sequence order per staff member, whichever query found the delivery.
    const backlog = new Set([...connectedFresh, ...before.backlogStaff]);
    sendDeliveries(
      this.options,
      toSend.sort((a, b) => a.seq - b.seq),
      snapshots,
      backlog,
      timings,
    );
    await sendUpdates(this.options, updates, updateTargets, snapshots);
    // After our own sockets have them: other nodes send their copies.
    if (swept.length > 0) await this.announceSwept(swept);
    return sent;
  }

  private async releaseAfterFailure(deliveryIds: string[]): Promise<void> {
    try {
      await releaseClaims(this.options.sql, deliveryIds);
    } catch (error) {
      // The database is unreachable: these stay claimed and are re-sent when due, like after a crash.
      this.options.logger.warn('could not release claims', {
        count: deliveryIds.length,
        error: (error as Error).message,
      });
    }
  }

  /** Best effort: if the `sent` notification fails, the other nodes' connections get these by `resume`. */
  private async announceSwept(deliveryIds: string[]): Promise<void> {
    try {
      await announceSent(this.options.sql, this.options.nodeId, deliveryIds);
    } catch (error) {
      this.options.logger.warn('could not announce swept deliveries', { error: (error as Error).message });
    }
  }

  /** Connected staff who were told about each alert: they get its `alert.updated`. */
  private async updateTargets(alertIds: string[]): Promise<{ alertId: string; staffId: string }[]> {
    const { sql, registry } = this.options;
    if (registry.staffCount === 0) return [];
    const rows = await alertRecipients(sql, alertIds);
    return rows.filter((row) => registry.connectionsOf(row.staffId));
  }
}

/**
 * A delivery a NOTIFY named (or whose alert it woke): its notify → frame span starts at that NOTIFY, whether this
 * pass claimed it or only found it (a broadcast beyond CLAIM_LIMIT is sent now and claimed on the next pass, where
 * its frame is not written again and so not counted twice).
 */
function setNotified(timings: Map<string, FirstSendTiming>, deliveryId: string, notifiedAt: number | undefined): void {
  if (notifiedAt === undefined) return;
  const timing = timings.get(deliveryId);
  if (timing) timing.notifiedAt = notifiedAt;
  else timings.set(deliveryId, { notifiedAt, written: false });
}
