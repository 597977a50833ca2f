import { randomUUID } from 'node:crypto';
import type { RtcConfig } from 'node-datachannel';
import type { StaffIdentity } from '../../core/auth/access-token';
import type { Logger } from '../../core/logger';
import type { Sql } from '../../db/client';
import {
  type CameraAccessDenied,
  checkCameraAccess,
  checkCameraAccessMany,
  type WatchableCamera,
} from '../../db/queries/camera-access';
import type { CameraSignalling } from '../camera-signalling';
import type { CameraState, ServerFrame } from '../protocol';
import { CameraError, type CameraErrorName } from './camera-errors';
import type { CameraFeed } from './camera-feed';
import { type CameraConfig, toLibdatachannelIceServers } from './env';
import { FeedRegistry } from './feed-registry';
import { pickH264 } from './sdp';
import { SessionSlots } from './session-slots';
import { withTurnCredentials } from './turn-credentials';
import { ViewAudit, type ViewTransport } from './view-audit';
import { OfferError, openPeerCount, type PeerEvents, ViewerPeer } from './viewer-peer';

/** At most this many camera sessions per dashboard connection (a wall of cameras, not a flood of peers). */
const MAX_SESSIONS_PER_CONNECTION = 16;

/** The error a refusal of the access rule is reported with, at the start of a view and when it is ended. */
const deniedError: Record<CameraAccessDenied, CameraErrorName> = {
  'not-found': 'CAMERA_NOT_FOUND',
  'resident-discharged': 'CAMERA_RESIDENT_DISCHARGED',
  'no-consent': 'CAMERA_NO_CONSENT',
  disabled: 'CAMERA_DISABLED',
  'no-reason-to-watch': 'CAMERA_FORBIDDEN',
};

/** Why a running view was ended by the access re-check: the `camera.state` reason and the audit stop reason. */
const accessEndedReason: Record<CameraAccessDenied | 'token-expired', string> = {
  'token-expired': 'access ended: access token expired',
  'not-found': 'access ended: camera or resident no longer readable',
  'resident-discharged': 'access ended: resident discharged',
  'no-consent': 'access ended: consent withdrawn',
  disabled: 'access ended: camera disabled',
  'no-reason-to-watch': 'access ended: no open alert or standing grant',
};

interface Session {
  id: string;
  identity: StaffIdentity;
  camera: WatchableCamera;
  connectionId: string;
  /** The cap slot this session holds (its connection's, or its staff member's WHEP slots); released on close. */
  slot: string;
  transport: ViewTransport;
  startedAt: number;
  connectedAt: number | null;
  peer: ViewerPeer | null;
  feed: CameraFeed | null;
  send: (frame: ServerFrame) => void;
  connectTimer: NodeJS.Timeout;
  closed: boolean;
  lastState: CameraState | null;
  /** The start row's insert, once begun; a session that never began one was no view and writes no stop row. */
  auditStart: Promise<void> | null;
}

export interface CameraServiceStats {
  sessions: number;
  peers: number;
  feeds: number;
}

/**
 * The camera service: access checks, one server-side WebRTC peer per viewer (offered over the dashboard
 * WebSocket or answered over WHEP), feeds shared per camera, audit of every view.
 * Guarantee: every session is freed exactly once — on stop, disconnect, WHEP DELETE, peer failure, connect
 * timeout, access ended or service stop — releasing its peer, its place in the feed and writing the audit stop row
 * (a view's start row is written before its offer or answer goes out: no video without it).
 * Access is not only checked at the start: every CAMERA_ACCESS_RECHECK_MS each running view is checked again
 * (token expiry, then the same access rule in one query), and a view whose access ended is stopped (`recheckAccess`,
 * run with `reconcileFeeds` by the realtime node's jobs, `realtime/jobs.ts`).
 */
export class CameraService implements CameraSignalling {
  private readonly sessions = new Map<string, Session>();
  private readonly byConnection = new Map<string, Set<string>>();
  /**
   * Each open dashboard connection, with its frame sender for errors about sessions it does not (or no longer)
   * have. A watch compares the object after its awaits: another (or none) means the connection went meanwhile.
   */
  private readonly connections = new Map<string, { send: (frame: ServerFrame) => void }>();
  private readonly slots = new SessionSlots();
  private readonly feeds: FeedRegistry;
  private readonly audit: ViewAudit;
  private readonly peerNetwork: Omit<RtcConfig, 'iceServers'>;
  private recheck: Promise<number> | null = null;

  constructor(
    private readonly sql: Sql,
    private readonly config: CameraConfig,
    private readonly logger: Logger,
  ) {
    this.feeds = new FeedRegistry(config, logger);
    this.audit = new ViewAudit(sql, (error) => logger.error('camera audit write failed', { error: error.message }));
    this.peerNetwork = {
      ...(config.CAMERA_PORT_RANGE_BEGIN > 0 && {
        portRangeBegin: config.CAMERA_PORT_RANGE_BEGIN,
        portRangeEnd: config.CAMERA_PORT_RANGE_END || config.CAMERA_PORT_RANGE_BEGIN,
      }),
      ...(config.CAMERA_ICE_UDP_MUX && { enableIceUdpMux: true }),
      ...(config.CAMERA_ICE_BIND_ADDRESS && { bindAddress: config.CAMERA_ICE_BIND_ADDRESS }),
    };
  }

  // ---- WebSocket signalling (CameraSignalling) ----

  async watch(
    identity: StaffIdentity,
    connectionId: string,
    cameraId: string,
    send: (frame: ServerFrame) => void,
  ): Promise<void> {
    let connection = this.connections.get(connectionId);
    if (connection) connection.send = send;
    else {
      connection = { send };
      this.connections.set(connectionId, connection);
    }
    // Frames are handled concurrently: the slot is taken before the first await, or a burst of watches would all
    // pass a check of the sessions that exist so far.
    const slot = `connection:${connectionId}`;
    if (!this.slots.tryTake(slot, MAX_SESSIONS_PER_CONNECTION)) {
      send(this.errorFrame(new CameraError('CAMERA_TOO_MANY_SESSIONS'), cameraId));
      return;
    }
    let slotHeld = true;
    let session: Session | undefined;
    try {
      const camera = await this.authorize(identity, cameraId, 'websocket');
      // Disconnected while authorising: `disconnect` has already freed what it knew of, so nothing may start now.
      if (this.connections.get(connectionId) !== connection) return;
      const created = this.createSession(identity, camera, connectionId, slot, 'websocket', send);
      slotHeld = false;
      session = created;
      // Written while the peer makes its offer, so confirming it before the offer goes out costs next to nothing.
      this.beginAudit(created);
      // The peer trickles its candidates only after `answer` applied the viewer's answer, so always after the offer.
      const { peer, sdp } = await ViewerPeer.offer(
        `camera-${session.id}`,
        this.rtcConfig(),
        this.peerEvents(created, (candidate, mid) =>
          send({ type: 'camera.candidate', sessionId: created.id, candidate, mid }),
        ),
        `camera-${camera.id}`,
      );
      if (created.closed) {
        peer.close();
        return;
      }
      created.peer = peer;
      await this.confirmAudit(created);
      if (created.closed) return;
      const iceServers = this.iceServersFor(identity.staffId);
      send({ type: 'camera.offer', sessionId: created.id, cameraId, sdp, iceServers });
      await this.attachFeed(created);
    } catch (error) {
      if (session) this.close(session, 'setup failed', false);
      send(this.errorFrame(error, session?.id ?? cameraId));
    } finally {
      if (slotHeld) this.slots.release(slot);
    }
  }

  async answer(connectionId: string, sessionId: string, sdp: string): Promise<void> {
    const session = this.sessionOf(connectionId, sessionId);
    if (!session) {
      this.connections.get(connectionId)?.send(this.errorFrame(new CameraError('CAMERA_SESSION_NOT_FOUND'), sessionId));
      return;
    }
    try {
      session.peer?.setAnswer(sdp);
    } catch (error) {
      session.send(this.errorFrame(new CameraError('CAMERA_BAD_SDP', (error as Error).message), sessionId));
      this.close(session, 'answer rejected');
    }
  }

  candidate(connectionId: string, sessionId: string, candidate: string, mid?: string): void {
    const session = this.sessionOf(connectionId, sessionId);
    if (!session?.peer) return;
    try {
      session.peer.addRemoteCandidate(candidate, mid ?? 'video');
    } catch (error) {
      // A candidate the peer cannot use is not fatal: others may work.
      this.logger.debug('camera candidate ignored', { sessionId, error: (error as Error).message });
    }
  }

  async stop(connectionId: string, sessionId: string): Promise<void> {
    const session = this.sessionOf(connectionId, sessionId);
    if (session) this.close(session, 'stopped by viewer');
  }

  async disconnect(connectionId: string): Promise<void> {
    this.connections.delete(connectionId);
    for (const sessionId of [...(this.byConnection.get(connectionId) ?? [])]) {
      const session = this.sessions.get(sessionId);
      if (session) this.close(session, 'connection closed', false);
    }
  }

  reauthenticate(connectionId: string, identity: StaffIdentity): void {
    for (const sessionId of this.byConnection.get(connectionId) ?? []) {
      const session = this.sessions.get(sessionId);
      if (session?.identity.staffId === identity.staffId && session.identity.orgId === identity.orgId) {
        session.identity = identity;
      }
    }
  }

  // ---- access of running views ----

  /**
   * Ends every running view whose access ended: its token expired, or the access rule now refuses it (the alert
   * that justified a caregiver's view resolved with no other open alert or grant left, consent withdrawn, camera
   * disabled or removed, assignment or staff account gone). The WebSocket viewer gets an `error` frame with the
   * refusal's code and `camera.state` `ended` with the reason; a WHEP session's peer is closed. Run by the
   * `camera-access-recheck` job (a tick is skipped while a check runs); a call waits for a running check and then checks afresh, so it sees
   * every change made before it. Resolves with how many views this check ended.
   * If the database cannot answer, running views continue (an emergency view is not cut by a database blip) and
   * the next tick checks again.
   */
  async recheckAccess(): Promise<number> {
    while (this.recheck) await this.recheck;
    const run = this.recheckOnce();
    this.recheck = run;
    try {
      return await run;
    } finally {
      if (this.recheck === run) this.recheck = null;
    }
  }

  /** One pass over the running views; never rejects. */
  private async recheckOnce(): Promise<number> {
    let ended = 0;
    try {
      const now = Date.now();
      const toCheck: Session[] = [];
      for (const session of [...this.sessions.values()]) {
        if (session.identity.expiresAt * 1000 > now) toCheck.push(session);
        else if (this.endForAccess(session, 'token-expired')) ended++;
      }
      if (toCheck.length === 0) return ended;
      const results = await checkCameraAccessMany(
        this.sql,
        toCheck.map((session) => ({ identity: session.identity, cameraId: session.camera.id })),
      );
      results.forEach((access, index) => {
        const session = toCheck[index];
        if (session && !access.ok && this.endForAccess(session, access.reason)) ended++;
      });
    } catch (error) {
      this.logger.warn('camera access re-check failed; running views continue', { error: (error as Error).message });
    }
    return ended;
  }

  private endForAccess(session: Session, why: CameraAccessDenied | 'token-expired'): boolean {
    if (session.closed) return false;
    const error = new CameraError(why === 'token-expired' ? 'CAMERA_ACCESS_EXPIRED' : deniedError[why]);
    if (session.transport === 'websocket') session.send(this.errorFrame(error, session.id));
    this.logger.info('camera view ended: access ended', {
      sessionId: session.id,
      cameraId: session.camera.id,
      staffId: session.identity.staffId,
      why,
    });
    this.close(session, accessEndedReason[why], true, { endedBy: 'access-check', access: why });
    return true;
  }

  // ---- WHEP ----

  /** Answers a WHEP offer; throws CameraError for access problems and bad offers. */
  async whepStart(
    identity: StaffIdentity,
    cameraId: string,
    offerSdp: string,
  ): Promise<{ sessionId: string; sdp: string }> {
    const slot = `whep:${identity.orgId}:${identity.staffId}`;
    const cap = this.config.CAMERA_WHEP_SESSIONS_PER_STAFF;
    if (!this.slots.tryTake(slot, cap)) {
      throw new CameraError('CAMERA_TOO_MANY_SESSIONS', `at most ${cap} WHEP sessions per staff member`);
    }
    let camera: WatchableCamera;
    try {
      camera = await this.authorize(identity, cameraId, 'whep');
    } catch (error) {
      this.slots.release(slot);
      throw error;
    }
    // Checked before there is a session: an offer we cannot answer is no view and leaves no audit row.
    if (!pickH264(offerSdp)) {
      this.slots.release(slot);
      throw new CameraError(
        'CAMERA_BAD_SDP',
        'the offer has no receivable video m-line with H264 packetization-mode 1',
      );
    }
    const session = this.createSession(identity, camera, `whep:${randomUUID()}`, slot, 'whep', () => {});
    try {
      const { peer, sdp } = await ViewerPeer.answer(
        `camera-${session.id}`,
        this.rtcConfig(),
        this.peerEvents(session, () => {}),
        `camera-${camera.id}`,
        offerSdp,
      );
      if (session.closed) {
        peer.close();
        throw new CameraError('CAMERA_UNAVAILABLE', 'the session ended while answering');
      }
      session.peer = peer;
      // Only once the offer was accepted (any SDP it still holds against us fails above, unaudited).
      this.beginAudit(session);
      await this.confirmAudit(session);
      await this.attachFeed(session);
      if (session.closed) throw new CameraError('CAMERA_UNAVAILABLE');
      return { sessionId: session.id, sdp };
    } catch (error) {
      this.close(session, 'whep setup failed');
      if (error instanceof OfferError) throw new CameraError('CAMERA_BAD_SDP', error.message);
      throw error;
    }
  }

  /** Ends a WHEP session of this caller; false when there is none (answered 404). */
  whepStop(identity: StaffIdentity, cameraId: string, sessionId: string): boolean {
    const session = this.sessions.get(sessionId);
    if (
      session?.transport !== 'whep' ||
      session.camera.id !== cameraId ||
      session.identity.staffId !== identity.staffId ||
      session.identity.orgId !== identity.orgId
    ) {
      return false;
    }
    this.close(session, 'stopped by viewer');
    return true;
  }

  /**
   * Makes the open feeds follow the cameras table: every enabled, consented RTP camera has a warm feed (its GOP
   * cache is full before the first viewer, so the first frame never waits for the camera's next IDR), and a camera
   * deleted, disabled, without consent or with a new source loses its old feed and frees its RTP port. Runs at
   * start and with every access re-check, so camera changes made through the API apply without a restart.
   * Returns how many feeds were opened.
   */
  async reconcileFeeds(): Promise<number> {
    const readAt = performance.now();
    const rows = await this.sql<{ id: string; source: WatchableCamera['source'] }[]>`
      select id, source from cameras
       where enabled and consent_given_by is not null and consent_recorded_at is not null`;
    return this.feeds.reconcile(rows, readAt);
  }

  /** STUN/TURN servers for one viewer: TURN entries get that viewer's own short-lived credentials. */
  private iceServersFor(who: string) {
    const turn = { secret: this.config.TURN_SHARED_SECRET, ttlSeconds: this.config.TURN_CREDENTIAL_TTL_SECONDS };
    return withTurnCredentials(this.config.ICE_SERVERS, turn, who);
  }

  /** The server peer's configuration, with fresh TURN credentials for each peer. */
  private rtcConfig(): RtcConfig {
    return { ...this.peerNetwork, iceServers: toLibdatachannelIceServers(this.iceServersFor('realtime')) };
  }

  /** WHEP `Link: <url>; rel="ice-server"` header advertising the STUN/TURN servers, with this viewer's credentials. */
  iceServerLinks(staffId: string): Record<string, string> {
    const links = this.iceServersFor(staffId).flatMap((server) =>
      (Array.isArray(server.urls) ? server.urls : [server.urls]).map((url) =>
        server.username === undefined
          ? `<${url}>; rel="ice-server"`
          : `<${url}>; rel="ice-server"; username="${server.username}"; credential="${server.credential ?? ''}"; credential-type="password"`,
      ),
    );
    return links.length > 0 ? { link: links.join(', ') } : {};
  }

  // ---- lifecycle ----

  stats(): CameraServiceStats {
    return { sessions: this.sessions.size, peers: openPeerCount(), feeds: this.feeds.size };
  }

  /** Packet counters and state of a camera's feed, when open. */
  feedStats(cameraId: string) {
    return this.feeds.feedStats(cameraId);
  }

  /** Test hook: the running test-pattern encoder of a camera. */
  testPatternOf(cameraId: string) {
    return this.feeds.testPattern(cameraId);
  }

  /** Resolves when every audit row so far is written. */
  flushAudit(): Promise<void> {
    return this.audit.flush();
  }

  /** Closes every session and feed (the node is stopping). */
  async shutdown(): Promise<void> {
    for (const session of [...this.sessions.values()]) this.close(session, 'server stopping');
    this.feeds.close();
    await this.audit.flush();
  }

  // ---- internals ----

  private async authorize(identity: StaffIdentity, cameraId: string, transport: ViewTransport) {
    const access = await checkCameraAccess(this.sql, identity, cameraId);
    if (access.ok) return access.camera;
    // Refusals are audited too, "not found" included: an unassigned caregiver trying a camera is worth knowing.
    this.audit.denied(identity, cameraId, { reason: access.reason, transport });
    throw new CameraError(deniedError[access.reason]);
  }

  private createSession(
    identity: StaffIdentity,
    camera: WatchableCamera,
    connectionId: string,
    slot: string,
    transport: ViewTransport,
    send: (frame: ServerFrame) => void,
  ): Session {
    const session: Session = {
      id: randomUUID(),
      identity,
      camera,
      connectionId,
      slot,
      transport,
      startedAt: Date.now(),
      connectedAt: null,
      peer: null,
      feed: null,
      send,
      closed: false,
      lastState: null,
      auditStart: null,
      connectTimer: setTimeout(
        () => this.close(session, 'peer did not connect in time'),
        this.config.CAMERA_CONNECT_TIMEOUT_MS,
      ),
    };
    session.connectTimer.unref();
    this.sessions.set(session.id, session);
    let ids = this.byConnection.get(connectionId);
    if (!ids) {
      ids = new Set();
      this.byConnection.set(connectionId, ids);
    }
    ids.add(session.id);
    return session;
  }

  private beginAudit(session: Session): void {
    session.auditStart = this.audit.started(session.identity, session.camera.id, {
      sessionId: session.id,
      transport: session.transport,
      basis: session.camera.basis,
    });
  }

  /**
   * Waits for the start row: no video may reach a viewer whose view is not on record, so a view whose row could
   * not be written does not start (the access query needs the same database, so this refuses little extra).
   */
  private async confirmAudit(session: Session): Promise<void> {
    try {
      await session.auditStart;
    } catch {
      throw new CameraError('CAMERA_UNAVAILABLE', 'the view could not be recorded in the audit log');
    }
  }

  private async attachFeed(session: Session): Promise<void> {
    let feed: CameraFeed;
    try {
      feed = await this.feeds.acquire(session.camera.id, session.camera.source);
    } catch (error) {
      this.logger.error('camera feed failed to start', {
        cameraId: session.camera.id,
        error: (error as Error).message,
      });
      this.close(session, 'feed unavailable');
      throw new CameraError('CAMERA_UNAVAILABLE');
    }
    if (session.closed || !session.peer) {
      this.feeds.release(session.camera.id, feed);
      return;
    }
    session.feed = feed;
    feed.addViewer(session.peer);
  }

  private peerEvents(session: Session, onCandidate: PeerEvents['onCandidate']): PeerEvents {
    return {
      onCandidate,
      onConnected: () => {
        session.connectedAt = Date.now();
        clearTimeout(session.connectTimer);
        this.logger.info('camera view connected', {
          sessionId: session.id,
          cameraId: session.camera.id,
          staffId: session.identity.staffId,
          transport: session.transport,
          setupMs: session.connectedAt - session.startedAt,
        });
      },
      onGone: (reason) => this.close(session, reason),
      onKeyframeRequest: () => {
        if (session.peer) session.feed?.requestKeyframe(session.peer);
      },
      onFeedState: (state, reason) => {
        if (state === session.lastState) return;
        session.lastState = state;
        session.send({ type: 'camera.state', sessionId: session.id, cameraId: session.camera.id, state, reason });
        // The feed is gone for good (its camera was removed or reconfigured): watching again opens the new one.
        if (state === 'ended') this.close(session, reason ?? 'camera feed closed', false);
      },
    };
  }

  /**
   * Frees a session exactly once. `notify` is false when the connection is already gone; `details` go into the
   * audit stop row.
   */
  private close(session: Session, reason: string, notify = true, details: Record<string, unknown> = {}): void {
    if (session.closed) return;
    session.closed = true;
    clearTimeout(session.connectTimer);
    this.sessions.delete(session.id);
    this.slots.release(session.slot);
    const ids = this.byConnection.get(session.connectionId);
    ids?.delete(session.id);
    if (ids?.size === 0) this.byConnection.delete(session.connectionId);
    if (session.peer) {
      session.feed?.removeViewer(session.peer);
      session.peer.close();
    }
    if (session.feed) this.feeds.release(session.camera.id, session.feed);
    const now = Date.now();
    if (session.auditStart) {
      this.audit.stopped(session.identity, session.camera.id, {
        sessionId: session.id,
        transport: session.transport,
        reason,
        startedAt: new Date(session.startedAt).toISOString(),
        durationMs: now - session.startedAt,
        // > 0 exactly when the viewer was connected (video could flow), however briefly.
        watchedMs: session.connectedAt ? Math.max(1, now - session.connectedAt) : 0,
        ...details,
      });
    }
    if (notify && session.transport === 'websocket') {
      session.send({
        type: 'camera.state',
        sessionId: session.id,
        cameraId: session.camera.id,
        state: 'ended',
        reason,
      });
    }
  }

  private sessionOf(connectionId: string, sessionId: string): Session | undefined {
    const session = this.sessions.get(sessionId);
    return session && session.connectionId === connectionId ? session : undefined;
  }

  private errorFrame(error: unknown, ref: string): ServerFrame {
    if (error instanceof CameraError) {
      return { type: 'error', code: error.code, message: error.message, retryable: error.retryable, ref };
    }
    this.logger.error('camera signalling failed', { ref, error: (error as Error).message });
    const unavailable = new CameraError('CAMERA_UNAVAILABLE');
    return { type: 'error', code: unavailable.code, message: unavailable.message, retryable: true, ref };
  }
}
