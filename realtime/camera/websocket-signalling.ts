import type { StaffIdentity } from '../../core/auth/access-token';
import type { Logger } from '../../core/logger';
import type { CameraSignalling } from '../camera-signalling';
import type { ServerFrame } from '../protocol';
import { CameraError, errorFrame } from './camera-errors';
import { addViewerCandidate, type CameraIce } from './ice';
import type { ViewAccess } from './view-access';
import type { ViewSession, ViewSessions } from './view-sessions';
import { ViewerPeer } from './viewer-peer';

/** At most this many camera sessions per dashboard connection (a wall of cameras, not a flood of peers). */
const MAX_SESSIONS_PER_CONNECTION = 16;

export interface WebSocketSignallingOptions {
  sessions: ViewSessions;
  access: ViewAccess;
  ice: CameraIce;
  logger: Logger;
}

/**
 * Camera views brokered over the dashboard WebSocket: `camera.watch` → the server's `camera.offer` (after the
 * access check and the audit start row) → the viewer's `camera.answer`, with candidates trickled both ways.
 */
export class WebSocketSignalling implements CameraSignalling {
  /**
   * Each open dashboard connection, with its frame sender for errors about sessions it does not (or no longer)
   * have. A watch compares the object after its awaits: another (or none) means the connection went meanwhile.
   */
  private readonly connections = new Map<string, { send: (frame: ServerFrame) => void }>();

  constructor(private readonly options: WebSocketSignallingOptions) {}

  async watch(
    identity: StaffIdentity,
    connectionId: string,
    cameraId: string,
    send: (frame: ServerFrame) => void,
  ): Promise<void> {
    const { sessions, access, ice } = this.options;
    let connection = this.connections.get(connectionId);
    if (connection) connection.send = send;
    else {
      connection = { send };
      this.connections.set(connectionId, connection);
    }
    // Frames are handled concurrently: the slot is taken before the first await, or a burst of watches would all
    // pass a check of the sessions that exist so far.
    const slot = `connection:${connectionId}`;
    if (!sessions.slots.tryTake(slot, MAX_SESSIONS_PER_CONNECTION)) {
      send(this.errorFrame(new CameraError('CAMERA_TOO_MANY_SESSIONS'), cameraId));
      return;
    }
    let slotHeld = true;
    let session: ViewSession | undefined;
    try {
      const camera = await access.authorize(identity, cameraId, 'websocket');
      // Disconnected while authorising: `disconnect` has already freed what it knew of, so nothing may start now.
      if (this.connections.get(connectionId) !== connection) return;
      const created = sessions.open(identity, camera, connectionId, slot, 'websocket', send);
      slotHeld = false;
      session = created;
      // Written while the peer makes its offer, so confirming it before the offer goes out costs next to nothing.
      sessions.beginAudit(created);
      // The peer trickles its candidates only after `answer` applied the viewer's answer, so always after the offer.
      const { peer, sdp } = await ViewerPeer.offer(
        `camera-${session.id}`,
        ice.peerConfig(),
        sessions.peerEvents(created, (candidate, mid) =>
          send({ type: 'camera.candidate', sessionId: created.id, candidate, mid }),
        ),
        `camera-${camera.id}`,
      );
      if (created.closed) {
        peer.close();
        return;
      }
      created.peer = peer;
      await sessions.confirmAudit(created);
      if (created.closed) return;
      const iceServers = ice.serversFor(identity.staffId);
      send({ type: 'camera.offer', sessionId: created.id, cameraId, sdp, iceServers });
      await sessions.attachFeed(created);
    } catch (error) {
      if (session) sessions.close(session, 'setup failed', false);
      send(this.errorFrame(error, session?.id ?? cameraId));
    } finally {
      if (slotHeld) sessions.slots.release(slot);
    }
  }

  async answer(connectionId: string, sessionId: string, sdp: string): Promise<void> {
    const session = this.options.sessions.ofConnection(connectionId, sessionId);
    if (!session) {
      this.connections.get(connectionId)?.send(this.errorFrame(new CameraError('CAMERA_SESSION_NOT_FOUND'), sessionId));
      return;
    }
    try {
      session.peer?.setAnswer(sdp);
    } catch (error) {
      session.send(this.errorFrame(new CameraError('CAMERA_BAD_SDP', (error as Error).message), sessionId));
      this.options.sessions.close(session, 'answer rejected');
    }
  }

  candidate(connectionId: string, sessionId: string, candidate: string, mid?: string): void {
    const session = this.options.sessions.ofConnection(connectionId, sessionId);
    if (!session?.peer) return;
    const refused = addViewerCandidate(session.peer, candidate, mid);
    if (refused) this.options.logger.debug('camera candidate ignored', { sessionId, error: refused.message });
  }

  async stop(connectionId: string, sessionId: string): Promise<void> {
    const session = this.options.sessions.ofConnection(connectionId, sessionId);
    if (session) this.options.sessions.close(session, 'stopped by viewer');
  }

  async disconnect(connectionId: string): Promise<void> {
    this.connections.delete(connectionId);
    for (const session of this.options.sessions.allOfConnection(connectionId)) {
      this.options.sessions.close(session, 'connection closed', false);
    }
  }

  reauthenticate(connectionId: string, identity: StaffIdentity): void {
    for (const session of this.options.sessions.allOfConnection(connectionId)) {
      if (session.identity.staffId === identity.staffId && session.identity.orgId === identity.orgId) {
        session.identity = identity;
      }
    }
  }

  /** The `error` frame for a failure: a CameraError as it is, anything else logged and reported as unavailable. */
  private errorFrame(error: unknown, ref: string): ServerFrame {
    if (error instanceof CameraError) return errorFrame(error, ref);
    this.options.logger.error('camera signalling failed', { ref, error: (error as Error).message });
    return errorFrame(new CameraError('CAMERA_UNAVAILABLE'), ref);
  }
}
