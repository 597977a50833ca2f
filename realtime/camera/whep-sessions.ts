import { randomUUID } from 'node:crypto';
import type { StaffIdentity } from '../../core/auth/access-token';
import type { WatchableCamera } from '../../db/queries/camera-access';
import { CameraError } from './camera-errors';
import { addViewerCandidate, type CameraIce } from './ice';
import { pickH264, splitCandidates } from './sdp';
import type { ViewAccess } from './view-access';
import type { ViewSession, ViewSessions } from './view-sessions';
import { OfferError, ViewerPeer } from './viewer-peer';

export interface WhepSessionsOptions {
  sessions: ViewSessions;
  access: ViewAccess;
  ice: CameraIce;
  /** At most this many WHEP sessions per staff member at once. */
  sessionsPerStaff: number;
}

/**
 * Camera views set up over WHEP (RFC 9725): the player's offer is answered in one exchange with every candidate of
 * ours, the player may trickle its own later (`PATCH`), and there is no channel back to the player (its peer is simply closed when the view ends). The HTTP side is
 * `whep-routes.ts`.
 */
export class WhepSessions {
  constructor(private readonly options: WhepSessionsOptions) {}

  /** Answers a WHEP offer; throws CameraError for access problems and bad offers. */
  async start(
    identity: StaffIdentity,
    cameraId: string,
    offerSdp: string,
  ): Promise<{ sessionId: string; sdp: string }> {
    const { sessions, access, ice, sessionsPerStaff: cap } = this.options;
    const slot = `whep:${identity.orgId}:${identity.staffId}`;
    if (!sessions.slots.tryTake(slot, cap)) {
      throw new CameraError('CAMERA_TOO_MANY_SESSIONS', `at most ${cap} WHEP sessions per staff member`);
    }
    let camera: WatchableCamera;
    try {
      camera = await access.authorize(identity, cameraId, 'whep');
    } catch (error) {
      sessions.slots.release(slot);
      throw error;
    }
    // Checked before there is a session: an offer we cannot answer is no view and leaves no audit row.
    if (!pickH264(offerSdp)) {
      sessions.slots.release(slot);
      throw new CameraError(
        'CAMERA_BAD_SDP',
        'the offer has no receivable video m-line with H264 packetization-mode 1',
      );
    }
    const session = sessions.open(identity, camera, `whep:${randomUUID()}`, slot, 'whep', () => {});
    try {
      const { peer, sdp } = await ViewerPeer.answer(
        `camera-${session.id}`,
        ice.peerConfig(),
        sessions.peerEvents(session, () => {}),
        `camera-${camera.id}`,
        offerSdp,
      );
      if (session.closed) {
        peer.close();
        throw new CameraError('CAMERA_UNAVAILABLE', 'the session ended while answering');
      }
      session.peer = peer;
      // Only once the offer was accepted (any SDP it still holds against us fails above, unaudited).
      sessions.beginAudit(session);
      await sessions.confirmAudit(session);
      await sessions.attachFeed(session);
      if (session.closed) throw new CameraError('CAMERA_UNAVAILABLE');
      return { sessionId: session.id, sdp };
    } catch (error) {
      sessions.close(session, 'whep setup failed');
      if (error instanceof OfferError) throw new CameraError('CAMERA_BAD_SDP', error.message);
      throw error;
    }
  }

  /** Ends a WHEP session of this caller; false when there is none (answered 404). */
  stop(identity: StaffIdentity, cameraId: string, sessionId: string): boolean {
    const session = this.ownSession(identity, cameraId, sessionId);
    if (!session) return false;
    this.options.sessions.close(session, 'stopped by viewer');
    return true;
  }

  /**
   * Trickle ICE (RFC 9725 §4.3.1, `PATCH` with an `application/trickle-ice-sdpfrag` body): hands the player's
   * candidates to its session's peer, so a player may send its offer before its own gathering is over. False when
   * the caller has no such session (404). Candidates the peer cannot use are skipped; ICE restarts are not offered.
   */
  trickle(identity: StaffIdentity, cameraId: string, sessionId: string, fragment: string): boolean {
    const session = this.ownSession(identity, cameraId, sessionId);
    if (!session) return false;
    const peer = session.peer;
    if (peer)
      for (const { candidate, mid } of splitCandidates(fragment).candidates) addViewerCandidate(peer, candidate, mid);
    return true;
  }

  private ownSession(identity: StaffIdentity, cameraId: string, sessionId: string): ViewSession | null {
    const session = this.options.sessions.get(sessionId);
    if (
      session?.transport !== 'whep' ||
      session.camera.id !== cameraId ||
      session.identity.staffId !== identity.staffId ||
      session.identity.orgId !== identity.orgId
    ) {
      return null;
    }
    return session;
  }

  /** The `Link` header of a WHEP answer: the STUN/TURN servers, with this viewer's own TURN credentials. */
  iceServerLinks(staffId: string): Record<string, string> {
    return this.options.ice.linkHeader(staffId);
  }
}
