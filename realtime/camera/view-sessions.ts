import { randomUUID } from 'node:crypto';
import type { StaffIdentity } from '../../core/auth/access-token';
import type { Logger } from '../../core/logger';
import type { WatchableCamera } from '../../db/queries/camera-access';
import type { CameraState, ServerFrame } from '../protocol';
import { CameraError } from './camera-errors';
import type { CameraFeed } from './camera-feed';
import type { FeedRegistry } from './feed-registry';
import { SessionSlots } from './session-slots';
import type { ViewAudit, ViewTransport } from './view-audit';
import type { PeerEvents, ViewerPeer } from './viewer-peer';

/** One running view: a viewer's server-side peer on one camera's feed, over the WebSocket or WHEP. */
export interface ViewSession {
  id: string;
  identity: StaffIdentity;
  camera: WatchableCamera;
  /** The dashboard connection of a WebSocket view; a WHEP view's own `whep:<uuid>`. */
  connectionId: string;
  /** The cap slot this session holds (its connection's, or its staff member's WHEP slots); released on close. */
  slot: string;
  transport: ViewTransport;
  startedAt: number;
  connectedAt: number | null;
  peer: ViewerPeer | null;
  feed: CameraFeed | null;
  /** Frames to the viewer; a no-op for WHEP, which has no channel back to the player. */
  send: (frame: ServerFrame) => void;
  connectTimer: NodeJS.Timeout;
  closed: boolean;
  lastState: CameraState | null;
  /** The start row's insert, once begun; a session that never began one was no view and writes no stop row. */
  auditStart: Promise<void> | null;
}

export interface ViewSessionsOptions {
  /** A peer that has not connected this long after its session opened is closed. */
  connectTimeoutMs: number;
  feeds: FeedRegistry;
  audit: ViewAudit;
  logger: Logger;
}

/**
 * The running views of this process, whichever transport set them up, and what every view goes through: its
 * audit start row, its place in the camera's feed, its peer's events, and its end.
 * Guarantee: every session is freed exactly once (`close`) — on stop, disconnect, WHEP DELETE, peer failure,
 * connect timeout, access ended or service stop — releasing its cap slot, its peer, its place in the feed and
 * writing the audit stop row (a view's start row is written before its offer or answer goes out: no video without
 * it).
 */
export class ViewSessions {
  /** Session caps; a slot is taken before a session's setup and released by `close` (or by a failed setup). */
  readonly slots = new SessionSlots();
  private readonly sessions = new Map<string, ViewSession>();
  private readonly byConnection = new Map<string, Set<string>>();

  constructor(private readonly options: ViewSessionsOptions) {}

  get size(): number {
    return this.sessions.size;
  }

  get(sessionId: string): ViewSession | undefined {
    return this.sessions.get(sessionId);
  }

  /** The session when it belongs to this connection. */
  ofConnection(connectionId: string, sessionId: string): ViewSession | undefined {
    const session = this.sessions.get(sessionId);
    return session && session.connectionId === connectionId ? session : undefined;
  }

  /** The sessions of a connection now (a copy: closing them while iterating is safe). */
  allOfConnection(connectionId: string): ViewSession[] {
    const sessions: ViewSession[] = [];
    for (const sessionId of this.byConnection.get(connectionId) ?? []) {
      const session = this.sessions.get(sessionId);
      if (session) sessions.push(session);
    }
    return sessions;
  }

  /** Every running session now (a copy). */
  all(): ViewSession[] {
    return [...this.sessions.values()];
  }

  /** Registers a new session, holding `slot`, whose peer must connect within the connect timeout. */
  open(
    identity: StaffIdentity,
    camera: WatchableCamera,
    connectionId: string,
    slot: string,
    transport: ViewTransport,
    send: (frame: ServerFrame) => void,
  ): ViewSession {
    const session: ViewSession = {
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
        this.options.connectTimeoutMs,
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

  /** Starts writing the view's audit start row; `confirmAudit` waits for it. */
  beginAudit(session: ViewSession): void {
    session.auditStart = this.options.audit.viewStarted(session);
  }

  /**
   * Waits for the start row: no video may reach a viewer whose view is not on record, so a view whose row could
   * not be written does not start (the access query needs the same database, so this refuses little extra).
   */
  async confirmAudit(session: ViewSession): Promise<void> {
    try {
      await session.auditStart;
    } catch {
      throw new CameraError('CAMERA_UNAVAILABLE', 'the view could not be recorded in the audit log');
    }
  }

  /** Adds the session's peer to its camera's feed (opening the feed if needed); closes the session if it fails. */
  async attachFeed(session: ViewSession): Promise<void> {
    const { feeds, logger } = this.options;
    let feed: CameraFeed;
    try {
      feed = await feeds.acquire(session.camera.id, session.camera.source);
    } catch (error) {
      logger.error('camera feed failed to start', { cameraId: session.camera.id, error: (error as Error).message });
      this.close(session, 'feed unavailable');
      throw new CameraError('CAMERA_UNAVAILABLE');
    }
    if (session.closed || !session.peer) {
      feeds.release(session.camera.id, feed);
      return;
    }
    session.feed = feed;
    feed.addViewer(session.peer);
  }

  /** The events of a session's peer: connected, gone, keyframe requests, feed states; candidates to `onCandidate`. */
  peerEvents(session: ViewSession, onCandidate: PeerEvents['onCandidate']): PeerEvents {
    return {
      onCandidate,
      onConnected: () => {
        session.connectedAt = Date.now();
        clearTimeout(session.connectTimer);
        this.options.logger.info('camera view connected', {
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
      onTrackOpen: () => {
        if (session.peer) session.feed?.viewerOpened(session.peer);
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
  close(session: ViewSession, reason: string, notify = true, details: Record<string, unknown> = {}): void {
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
    if (session.feed) this.options.feeds.release(session.camera.id, session.feed);
    if (session.auditStart) this.options.audit.viewStopped(session, reason, details);
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
}
