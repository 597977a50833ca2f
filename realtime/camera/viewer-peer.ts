import { randomInt } from 'node:crypto';
import nodeDataChannel, { type PeerConnection, type RtcConfig, type Track } from 'node-datachannel';
import type { CameraState } from '../protocol';
import type { FeedViewer } from './camera-feed';
import { isKeyframeRequest } from './rtp';
import { candidateFamily, offerAsDtlsClient, pickH264, type SdpCandidate, splitCandidates } from './sdp';

export interface PeerEvents {
  onCandidate(candidate: string, mid: string): void;
  onConnected(): void;
  /** The peer failed or closed from the remote side; the owner must close it. */
  onGone(reason: string): void;
  onKeyframeRequest(): void;
  /** The send track opened (DTLS is up): media can flow from now on. */
  onTrackOpen(): void;
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
 *
 * Ordering guarantee: no ICE candidate goes either way before the remote description is applied. libdatachannel
 * (0.24, in node-datachannel 0.33) hands a remote description's ICE credentials to ICE before it commits the
 * description's DTLS fingerprint; a viewer whose connectivity checks already reached us then connects within
 * that window, and DTLS checks the viewer's certificate against no fingerprint: "certificate verify failed",
 * peer `failed`, a session gone milliseconds after its offer (upstream: libdatachannel PR #1612). Our own
 * candidates are therefore held until the answer is applied (the viewer cannot send a check before it knows an
 * address of ours), and candidates the viewer sends early, or inside its description, are added only after it.
 */
export class ViewerPeer implements FeedViewer {
  readonly ssrc = randomInt(1, 0xffffffff);
  private readonly pc: PeerConnection;
  private track: Track | null = null;
  private closed = false;
  private connected = false;
  private disconnectTimer: NodeJS.Timeout | null = null;
  private remoteDescribed = false;
  private readonly heldLocalCandidates: SdpCandidate[] = [];
  private readonly heldRemoteCandidates: SdpCandidate[] = [];
  /**
   * The family our sockets cannot reach when they are bound to one address (CAMERA_ICE_BIND_ADDRESS): such
   * candidates are dropped, not checked. libjuice paces its checks 50 ms apart (Ta), and a check to an IPv6
   * candidate from an IPv4 socket fails at once (EAFNOSUPPORT) yet takes a slot, delaying the check that would
   * succeed by 50 ms or more; browsers list IPv6 candidates first (higher priority).
   */
  private readonly unreachableFamily: 4 | 6 | null;

  private constructor(
    name: string,
    config: RtcConfig,
    readonly payloadType: number,
    private readonly events: PeerEvents,
  ) {
    const bound = config.bindAddress ? candidateFamily(`- 1 udp 1 ${config.bindAddress} 9 typ host`) : null;
    this.unreachableFamily = bound === 4 ? 6 : bound === 6 ? 4 : null;
    this.pc = new nodeDataChannel.PeerConnection(name, config);
    openPeers++;
    this.pc.onLocalCandidate((candidate, mid) => {
      if (this.closed) return;
      if (this.remoteDescribed) this.events.onCandidate(candidate, mid);
      else this.heldLocalCandidates.push({ candidate, mid });
    });
    this.pc.onStateChange((state) => {
      if (this.closed) return;
      if (this.disconnectTimer && state !== 'disconnected') {
        clearTimeout(this.disconnectTimer);
        this.disconnectTimer = null;
      }
      if (state === 'connected') {
        this.markConnected();
      } else if (state === 'failed' || state === 'closed') {
        this.events.onGone(`peer ${state}`);
      } else if (state === 'disconnected' && !this.disconnectTimer) {
        // A network blip may recover; a viewer that is really gone is freed a few seconds later.
        this.disconnectTimer = setTimeout(() => this.events.onGone('peer disconnected'), DISCONNECT_GRACE_MS);
        this.disconnectTimer.unref();
      }
    });
  }

  /**
   * Creates the peer and its offer (server-originated, for the WebSocket flow). Our candidates trickle through
   * `onCandidate` once `setAnswer` has applied the viewer's answer (see the ordering guarantee above).
   */
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
    // libdatachannel creates the offer before gathering and trickles every candidate, so this removes nothing
    // today; it keeps the guarantee if a version ever puts candidates in the description itself.
    return { peer, sdp: offerAsDtlsClient(splitCandidates(await description).sdp) };
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
      peer.applyRemoteDescription(offerSdp, 'offer');
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
    track.onOpen(() => {
      if (!this.closed) this.events.onTrackOpen();
    });
    this.track = track;
  }

  /** Applies the viewer's answer, then releases the candidates held until now (both ways). */
  setAnswer(sdp: string): void {
    this.applyRemoteDescription(sdp, 'answer');
  }

  /** A viewer's trickled candidate; held until the remote description is applied. Throws for unusable ones. */
  addRemoteCandidate(candidate: string, mid: string): void {
    const entry = { candidate: candidate.replace(/^a=/, ''), mid };
    if (this.unreachableFamily !== null && candidateFamily(entry.candidate) === this.unreachableFamily) return;
    if (this.remoteDescribed) this.pc.addRemoteCandidate(entry.candidate, entry.mid);
    else this.heldRemoteCandidates.push(entry);
  }

  /**
   * Sets the remote description without its candidates, and only then lets addresses flow: the description's
   * candidates and early trickled ones to ICE, our held ones to the viewer. From here on the fingerprint DTLS
   * checks against is committed, whenever ICE connects.
   */
  private applyRemoteDescription(sdp: string, type: 'offer' | 'answer'): void {
    const { sdp: description, candidates } = splitCandidates(sdp);
    this.pc.setRemoteDescription(description, type);
    this.remoteDescribed = true;
    for (const { candidate, mid } of [...candidates, ...this.heldRemoteCandidates.splice(0)]) {
      if (this.unreachableFamily !== null && candidateFamily(candidate) === this.unreachableFamily) continue;
      try {
        this.pc.addRemoteCandidate(candidate, mid);
      } catch {
        // A candidate the peer cannot use is not fatal: others may work.
      }
    }
    for (const { candidate, mid } of this.heldLocalCandidates.splice(0)) {
      if (!this.closed) this.events.onCandidate(candidate, mid);
    }
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
    let sent: boolean;
    try {
      sent = track.sendMessageBinary(packet);
    } catch {
      // The track closed between the check and the send (mid-burst, the viewer left): its session ends through
      // the peer's state callback; this packet is simply not sent.
      return false;
    }
    // An open track means DTLS is up. The 'connected' state callback reaches JS asynchronously and can trail the
    // first packets (a cached keyframe goes out at once), so whichever comes first marks the peer connected.
    if (sent) this.markConnected();
    return sent;
  }

  private markConnected(): void {
    if (this.connected) return;
    this.connected = true;
    this.events.onConnected();
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
