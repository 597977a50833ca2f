import type uWS from 'uWebSockets.js';
import * as v from 'valibot';
import { type StaffIdentity, verifyAccessToken } from '../core/auth/access-token';
import type { Logger } from '../core/logger';
import { acknowledgeDelivery } from '../db/alerts/acknowledge';
import { resolveAlert } from '../db/alerts/resolve';
import { alertSnapshots } from '../db/alerts/snapshot';
import type { Sql } from '../db/client';
import { retryTransactionOnce } from '../db/retry';
import type { CameraSignalling } from './camera-signalling';
import type { ConnectionRegistry } from './connection-registry';
import { closeCodes, errors, type ProtocolError } from './errors';
import { encode, errorFrame } from './frames';
import { LogLimiter } from './log-limiter';
import type { Metrics } from './metrics';
import { nodeHs256 } from './node-hs256';
import { ClientFrame, type ServerFrame } from './protocol';
import type { ReceiptBatcher } from './receipts';
import { replayAfter } from './replay';
import { type OutgoingDelivery, SendQueue, type SendQueueSettings } from './send-queue';
import type { SessionReads } from './session-reads';

/** What every connection shares with its node. */
export interface ClientContext {
  sql: Sql;
  nodeId: string;
  jwtSecret: string;
  registry: ConnectionRegistry<Client>;
  metrics: Metrics;
  logger: Logger;
  camera?: CameraSignalling;
  /** Bad frames tolerated on one connection before it is closed. */
  maxBadFrames: number;
  sendQueue: SendQueueSettings;
  receipts: ReceiptBatcher;
  /** Session checks and replay pages, batched across this node's connections. */
  sessionReads: SessionReads;
  /** A fresh connection asks the dispatcher for everything outstanding for its staff member. */
  onReady(client: Client): void;
}

const RESUMES_PER_MINUTE = 10;

export interface ConnectionData {
  connectionId: string;
  /** The token of the upgrade's bearer subprotocol, until `open` hands it to the client to check. */
  token: string | null;
  /** The sequence of a `resume.<n>` subprotocol: replayed from at connect, before anything else is sent. */
  resumeFrom?: number;
  client?: Client;
}

/**
 * One dashboard connection (after centrifuge's client.go): authentication, frame validation and commands.
 * Ordering and backpressure are its send queue's (see SendQueue): alert frames reach the socket in the order the
 * dispatcher hands them over; while a `resume` replays from the database, live ones wait and follow the replay.
 */
export class Client {
  identity: StaffIdentity | null = null;
  private readonly queue: SendQueue;
  private closed = false;
  private badFrames = 0;
  private expiryTimer: NodeJS.Timeout | null = null;
  /** The check of the upgrade's token, while it runs: frames that arrive meanwhile wait for it. */
  private authenticating: Promise<void> | null = null;
  /** When this connection's recent `resume` frames came (see mayResume). */
  private readonly resumeTimes: number[] = [];
  /**
   * This connection's repeated warnings and errors, rate-limited: one client must not flood the node's log. Made on
   * the first line: most connections never log one, and a node holds thousands.
   */
  private logLimiter: LogLimiter | null = null;

  constructor(
    private readonly socket: uWS.WebSocket<ConnectionData>,
    readonly connectionId: string,
    private readonly context: ClientContext,
  ) {
    // A close frame could not get through a full buffer anyway: the connection is dropped at once.
    this.queue = new SendQueue(socket as uWS.WebSocket<unknown>, context.sendQueue, () => this.dropSlow());
  }

  private get log(): LogLimiter {
    this.logLimiter ??= new LogLimiter(this.context.logger, { connectionId: this.connectionId });
    return this.logLimiter;
  }

  get staffId(): string | undefined {
    return this.identity?.staffId;
  }

  /**
   * Checks the token the upgrade offered as if it had come in an `auth` frame: a refused one closes the socket
   * with 4001. A client may send frames as soon as the socket is open; they are handled after this check.
   */
  authenticateOnOpen(token: string, resumeFrom?: number): void {
    this.authenticating = this.authenticateWith(token, resumeFrom)
      .catch((error: Error) => {
        this.context.logger.error('connection setup failed', { connectionId: this.connectionId, error: error.message });
        this.end(closeCodes.goingAway, 'setup failed; reconnect');
      })
      .finally(() => {
        this.authenticating = null;
      });
  }

  /**
   * Binds the connection to a verified staff member, says welcome, and joins the registry. With `resumeFrom` the
   * replay starts before the registry or the dispatcher can send anything here: what is pushed on joining (everything
   * outstanding) and live alerts wait behind it, so the client sees every frame in sequence order.
   */
  private ready(identity: StaffIdentity, lastSeq: number, resumeFrom?: number): void {
    if (this.closed) return;
    this.identity = identity;
    this.scheduleExpiry(identity);
    this.send({
      type: 'welcome',
      staffId: identity.staffId,
      orgId: identity.orgId,
      nodeId: this.context.nodeId,
      lastSeq,
    });
    if (resumeFrom !== undefined) this.startResume(resumeFrom);
    this.context.registry.add(this);
    this.context.onReady(this);
  }

  /**
   * Hands an alert frame to this connection, at the client's pace. `backlog` deliveries (everything outstanding when
   * the connection opened) may wait without limit; live ones that pile up drop the client (see SendQueue).
   */
  deliver(delivery: OutgoingDelivery, backlog = false): boolean {
    return !this.closed && this.queue.deliver(delivery, backlog);
  }

  /** An `alert.updated` (or `ping`) frame, in order behind the alert frames still waiting here. */
  sendUpdate(frame: string): boolean {
    return !this.closed && this.queue.update(frame);
  }

  private dropSlow(): false {
    this.context.metrics.slowClientsDropped++;
    this.context.logger.warn('slow client dropped', { connectionId: this.connectionId, staffId: this.staffId });
    this.forceClose();
    return false;
  }

  /** A reply encoded already (error frames), counted in `framesSent`. */
  sendEncoded(frame: string): boolean {
    return !this.closed && this.queue.reply(frame, true);
  }

  send(frame: ServerFrame): boolean {
    return !this.closed && this.queue.reply(encode(frame), false);
  }

  /** uWS drained: the send queue hands over what waits while the socket stays writable. */
  drain(): void {
    this.queue.drain();
  }

  /** The socket is gone (uWS close handler): forget it everywhere. */
  closedBySocket(): void {
    this.closed = true;
    this.logLimiter?.flush();
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.queue.close();
    this.context.registry.remove(this);
    this.context.camera?.disconnect(this.connectionId).catch((error: Error) =>
      this.context.logger.error('camera disconnect failed', {
        connectionId: this.connectionId,
        error: error.message,
      }),
    );
  }

  forceClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.close();
    this.context.registry.remove(this);
    try {
      this.socket.close();
    } catch {
      // Already gone.
    }
  }

  end(code: number, reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.close();
    this.context.registry.remove(this);
    try {
      this.socket.end(code, reason);
    } catch {
      // Already closed by the peer; uWS has run (or will run) the close handler.
    }
  }

  /** One text frame from the socket. Never throws: failures become error frames. */
  async handle(text: string): Promise<void> {
    if (this.authenticating) await this.authenticating;
    if (this.closed) return;
    let frame: ClientFrame;
    try {
      const parsed = v.safeParse(ClientFrame, JSON.parse(text));
      if (!parsed.success) throw new Error(parsed.issues.map((issue) => issue.message).join('; '));
      frame = parsed.output;
    } catch (error) {
      this.reject(errors.badFrame, (error as Error).message);
      return;
    }
    try {
      await this.dispatch(frame);
    } catch (error) {
      this.log.error('frame handling failed', {
        type: frame.type,
        error: (error as Error).message,
      });
      this.fail(errors.internal, failedRef(frame));
    }
  }

  private async dispatch(frame: ClientFrame): Promise<void> {
    if (frame.type === 'auth') {
      // Set before the first await, so frames sent right behind the first `auth` wait for it too.
      const authenticating = this.authenticateWith(frame.token, frame.lastSeq);
      if (!this.identity) {
        this.authenticating = authenticating
          .catch(() => {}) // reported to the sender of `auth` by handle(); the frames behind it find no identity
          .finally(() => {
            this.authenticating = null;
          });
      }
      return authenticating;
    }
    const identity = this.identity;
    if (!identity) {
      this.fail(errors.notAuthenticated, frame.type);
      this.end(closeCodes.unauthorized, 'not authenticated');
      return;
    }
    const { sql, nodeId } = this.context;
    switch (frame.type) {
      case 'received': {
        const result = await this.context.receipts.record({ ...identity, deliveryId: frame.deliveryId });
        this.queue.received(frame.deliveryId);
        if (result === 'unknown') this.reject(errors.unknownDelivery, frame.deliveryId);
        return;
      }
      case 'ack': {
        // A deadlock or serialization failure rolled the whole acknowledgement back: running it again is safe.
        const result = await retryTransactionOnce(
          () => acknowledgeDelivery(sql, { ...identity, deliveryId: frame.deliveryId, nodeId }),
          (error) =>
            this.context.logger.warn('ack failed with a retryable error; retrying once', {
              connectionId: this.connectionId,
              deliveryId: frame.deliveryId,
              error: error.message,
            }),
        );
        this.queue.received(frame.deliveryId);
        if (result.outcome === 'unknown') this.reject(errors.unknownDelivery, frame.deliveryId);
        else if (result.outcome === 'already') await this.sendCurrent(result.alertId, 'acknowledged');
        return;
      }
      case 'resolve': {
        const result = await resolveAlert(sql, {
          alertId: frame.alertId,
          identity,
          note: frame.note,
          outcome: frame.outcome,
          nodeId,
        });
        if (result.outcome === 'unknown') this.reject(errors.unknownAlert, frame.alertId);
        else if (result.outcome === 'already') await this.sendCurrent(frame.alertId, 'resolved');
        return;
      }
      case 'resume':
        if (!this.mayResume()) return this.reject(errors.resumeTooOften, 'resume');
        return this.resume(frame.lastSeq);
      case 'ping':
        this.send({ type: 'pong', t: frame.t });
        return;
      case 'pong':
        return;
      default:
        return this.camera(frame, identity);
    }
  }

  /**
   * First-frame authentication, or a token refresh on an open connection: a fresh token for the same staff
   * member moves the connection's expiry; anything else is refused. A connection never outlives its token.
   */
  private async authenticateWith(token: string, resumeFrom?: number): Promise<void> {
    const verified = await verifyAccessToken(token, this.context.jwtSecret, nodeHs256);
    // Still an active staff member of that organisation (tokens outlive a deactivation by up to their lifetime).
    const lastSeq = verified ? await this.context.sessionReads.start(verified) : null;
    const identity = lastSeq === null ? null : verified;
    if (this.identity) {
      if (!identity || identity.staffId !== this.identity.staffId || identity.orgId !== this.identity.orgId) {
        this.reject(errors.alreadyAuthenticated, 'auth');
        return;
      }
      this.identity = identity;
      this.scheduleExpiry(identity);
      this.context.camera?.reauthenticate(this.connectionId, identity);
      return;
    }
    if (!identity || lastSeq === null) {
      this.end(closeCodes.unauthorized, 'invalid or expired token');
      return;
    }
    this.ready(identity, lastSeq, resumeFrom);
  }

  private scheduleExpiry(identity: StaffIdentity): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    const ms = Math.max(0, identity.expiresAt * 1000 - Date.now());
    this.expiryTimer = setTimeout(() => this.end(closeCodes.tokenExpired, 'token expired; reconnect and resume'), ms);
    this.expiryTimer.unref();
  }

  /**
   * Each resume reads the staff member's history from PostgreSQL: a client repeating `resume {lastSeq: 0}` in a
   * loop would load the database for everyone. A few a minute is more than any dashboard needs.
   */
  private mayResume(): boolean {
    const now = Date.now();
    while (this.resumeTimes.length > 0 && now - (this.resumeTimes[0] ?? now) > 60_000) this.resumeTimes.shift();
    if (this.resumeTimes.length >= RESUMES_PER_MINUTE) return false;
    this.resumeTimes.push(now);
    return true;
  }

  /** A resume the connection does not wait for (frames keep being handled meanwhile); failures are reported. */
  private startResume(lastSeq: number): void {
    this.resume(lastSeq).catch((error: Error) => {
      this.context.logger.error('resume failed', { connectionId: this.connectionId, error: error.message });
      this.fail(errors.internal, 'resume');
    });
  }

  /**
   * Replays every delivery after `lastSeq` in sequence order (pages of 500), then the live ones that arrived
   * meanwhile. A delivery both replayed and live is sent once.
   */
  private async resume(lastSeq: number): Promise<void> {
    const staffId = this.staffId;
    if (!staffId) return;
    if (this.queue.holding) {
      this.fail(errors.resumeInProgress, 'resume');
      return;
    }
    this.queue.hold();
    const replayed = new Set<string>();
    try {
      await replayAfter(this.context.sessionReads, this.queue, { staffId, afterSeq: lastSeq }, replayed);
      this.send({ type: 'resumed', afterSeq: lastSeq, replayed: replayed.size });
    } finally {
      this.queue.release(replayed);
    }
  }

  private async sendCurrent(alertId: string, change: 'acknowledged' | 'resolved'): Promise<void> {
    const snapshot = (await alertSnapshots(this.context.sql, [alertId])).get(alertId);
    if (snapshot) this.send({ type: 'alert.updated', alertId, change, alert: snapshot });
  }

  private async camera(
    frame: Extract<ClientFrame, { type: `camera.${string}` }>,
    identity: StaffIdentity,
  ): Promise<void> {
    const camera = this.context.camera;
    if (!camera) {
      this.fail(errors.cameraUnavailable, frame.type);
      return;
    }
    switch (frame.type) {
      case 'camera.watch':
        return camera.watch(identity, this.connectionId, frame.cameraId, (out) => this.send(out));
      case 'camera.answer':
        return camera.answer(this.connectionId, frame.sessionId, frame.sdp);
      case 'camera.candidate':
        return camera.candidate(this.connectionId, frame.sessionId, frame.candidate, frame.mid);
      case 'camera.stop':
        return camera.stop(this.connectionId, frame.sessionId);
    }
  }

  /** The client sent something wrong: an error frame, and the socket closes once it keeps doing so. */
  private reject(error: ProtocolError, ref?: string): void {
    this.context.metrics.badFrames++;
    // Frames still in flight when the connection closed (often for abuse) are counted, not logged one by one.
    if (this.closed) return;
    this.log.warn('bad frame', { code: error.code, ref });
    this.fail(error, ref);
    if (++this.badFrames > this.context.maxBadFrames) this.end(closeCodes.abuse, 'too many bad frames');
  }

  private fail(error: ProtocolError, ref?: string): void {
    this.sendEncoded(errorFrame(error, ref?.slice(0, 200)));
  }
}

/**
 * What an internal error's `ref` names: the delivery or alert the failed frame was about, so a client with several
 * acks in flight knows which one to send again; otherwise the frame's type.
 */
function failedRef(frame: ClientFrame): string {
  if ('deliveryId' in frame) return frame.deliveryId;
  if ('alertId' in frame) return frame.alertId;
  return frame.type;
}
