import { randomInt } from 'node:crypto';
import nodeDataChannel, { type PeerConnection, type RtcConfig, type Track } from 'node-datachannel';
import type { CameraState } from '../protocol';
import type { FeedViewer } from './camera-feed';
import { isKeyframeRequest } from './rtp';

export interface PeerEvents {
  onCandidate(candidate: string, mid: string): void;
  onConnected(): void;
  /** The peer failed or closed from the remote side; the owner must close it. */
  onGone(reason: string): void;
  onKeyframeRequest(): void;
  onFeedState(state: CameraState, reason?: string): void;
}

/** Payload type of our own offers (the dashboard WebSocket flow); WHEP uses whatever the browser offered. */
export const OFFER_PAYLOAD_TYPE = 96;
const DISCONNECT_GRACE_MS = 5000;

let openPeers = 0;
/** Server-side peer connections currently open in this process (leak checks in tests and metrics). */
export function openPeerCount(): number {
  return openPeers;
}

/**
 * The server's sending end of one viewer's WebRTC session: one node-datachannel PeerConnection with one
 * send-only H264 track. `close()` is idempotent and frees the native peer.
 */
export class ViewerPeer implements FeedViewer {
  readonly ssrc = randomInt(1, 0xffffffff);
  private readonly pc: PeerConnection;
  private track: Track | null = null;
  private closed = false;
  private connected = false;
  private disconnectTimer: NodeJS.Timeout | null = null;

  private constructor(
    name: string,
    config: RtcConfig,
    readonly payloadType: number,
    private readonly events: PeerEvents,
  ) {
    this.pc = new nodeDataChannel.PeerConnection(name, config);
    openPeers++;
    this.pc.onLocalCandidate((candidate, mid) => {
      if (!this.closed) this.events.onCandidate(candidate, mid);
    });
    this.pc.onStateChange((state) => {
      if (this.closed) return;
      if (this.disconnectTimer && state !== 'disconnected') {
        clearTimeout(this.disconnectTimer);
        this.disconnectTimer = null;
      }
      if (state === 'connected' && !this.connected) {
        this.connected = true;
        this.events.onConnected();
      } else if (state === 'failed' || state === 'closed') {
        this.events.onGone(`peer ${state}`);
      } else if (state === 'disconnected' && !this.disconnectTimer) {
        // A network blip may recover; a viewer that is really gone is freed a few seconds later.
        this.disconnectTimer = setTimeout(() => this.events.onGone('peer disconnected'), DISCONNECT_GRACE_MS);
        this.disconnectTimer.unref();
      }
    });
  }

  /** Creates the peer and its offer (server-originated, for the WebSocket flow). Candidates trickle afterwards. */
  static async offer(
    name: string,
    config: RtcConfig,
    events: PeerEvents,
    streamId: string,
  ): Promise<{ peer: ViewerPeer; sdp: string }> {
    const peer = new ViewerPeer(name, config, OFFER_PAYLOAD_TYPE, events);
    const description = new Promise<string>((resolve) => peer.pc.onLocalDescription((sdp) => resolve(sdp)));
    peer.addVideoTrack('video', streamId);
    peer.pc.setLocalDescription();
    return { peer, sdp: await description };
  }

  /**
   * Answers a viewer's offer (WHEP): sends on the offer's first video m-line with the offer's H264 payload type.
   * Waits for ICE gathering to finish so the answer carries every candidate (WHEP does not need trickle).
   */
  static async answer(
    name: string,
    config: RtcConfig,
    events: PeerEvents,
    streamId: string,
    offerSdp: string,
    gatherTimeoutMs = 5000,
  ): Promise<{ peer: ViewerPeer; sdp: string }> {
    const video = pickH264(offerSdp);
    if (!video) throw new OfferError('the offer has no receivable video m-line with H264 packetization-mode 1');
    const peer = new ViewerPeer(name, config, video.payloadType, events);
    try {
      const gathered = new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, gatherTimeoutMs);
        peer.pc.onGatheringStateChange((state) => {
          if (state === 'complete') {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      peer.addVideoTrack(video.mid, streamId);
      peer.pc.setRemoteDescription(offerSdp, 'offer');
      await gathered;
      const local = peer.pc.localDescription();
      if (!local) throw new OfferError('no answer could be created for the offer');
      return { peer, sdp: local.sdp };
    } catch (error) {
      peer.close();
      if (error instanceof OfferError) throw error;
      throw new OfferError(`the offer was not accepted: ${(error as Error).message}`);
    }
  }

  private addVideoTrack(mid: string, streamId: string): void {
    const video = new nodeDataChannel.Video(mid, 'SendOnly');
    video.addH264Codec(this.payloadType);
    video.addSSRC(this.ssrc, 'carewatch', streamId, `${streamId}-video`);
    const track = this.pc.addTrack(video);
    track.onMessage((message) => {
      if (!this.closed && isKeyframeRequest(message)) this.events.onKeyframeRequest();
    });
    this.track = track;
  }

  setAnswer(sdp: string): void {
    this.pc.setRemoteDescription(sdp, 'answer');
  }

  addRemoteCandidate(candidate: string, mid: string): void {
    this.pc.addRemoteCandidate(candidate.replace(/^a=/, ''), mid);
  }

  get ready(): boolean {
    return !this.closed && this.track !== null && this.track.isOpen();
  }

  get isConnected(): boolean {
    return this.connected;
  }

  send(packet: Buffer): boolean {
    const track = this.track;
    if (this.closed || !track || !track.isOpen()) return false;
    return track.sendMessageBinary(packet);
  }

  onFeedState(state: CameraState, reason?: string): void {
    if (!this.closed) this.events.onFeedState(state, reason);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    openPeers--;
    if (this.disconnectTimer) clearTimeout(this.disconnectTimer);
    try {
      this.track?.close();
    } catch {
      // already closed with the peer
    }
    this.pc.close();
  }
}

export class OfferError extends Error {}

/** The first video m-line's mid and the payload type of H264 packetization-mode=1 (constrained baseline first). */
export function pickH264(sdp: string): { mid: string; payloadType: number } | null {
  const sections = sdp.split(/\r?\nm=/).slice(1);
  for (const section of sections) {
    if (!section.startsWith('video')) continue;
    const lines = section.split(/\r?\n/);
    if (lines.some((line) => line === 'a=inactive' || line === 'a=sendonly')) continue;
    const mid = lines
      .find((line) => line.startsWith('a=mid:'))
      ?.slice(6)
      .trim();
    if (!mid) continue;
    const h264 = lines
      .map((line) => /^a=rtpmap:(\d+) H264\/90000/i.exec(line)?.[1])
      .filter((pt): pt is string => pt !== undefined);
    const fmtp = (pt: string) => lines.find((line) => line.startsWith(`a=fmtp:${pt} `)) ?? '';
    const mode1 = h264.filter((pt) => /packetization-mode=1/.test(fmtp(pt)));
    const preferred = mode1.find((pt) => /profile-level-id=42e0/i.test(fmtp(pt))) ?? mode1[0];
    if (preferred) return { mid, payloadType: Number(preferred) };
  }
  return null;
}
