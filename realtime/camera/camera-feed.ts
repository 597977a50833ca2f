import type { CameraState } from '../protocol';
import type { PacketTap } from './clip-ring';
import { GopCache } from './gop-cache';
import { parseRtpHeader, rewriteRtpHeader } from './rtp';

/** One viewer's end of a feed: its negotiated payload type and SSRC, and how to hand it a packet. */
export interface FeedViewer {
  readonly payloadType: number;
  readonly ssrc: number;
  /** False until the viewer's track is open: it stays waiting for a keyframe until then. */
  readonly ready: boolean;
  /** Sends one RTP packet; the buffer is reused after the call returns. False when the peer is not open yet. */
  send(packet: Buffer): boolean;
  onFeedState(state: CameraState, reason?: string): void;
}

interface ViewerState {
  viewer: FeedViewer;
  /** Waiting for a frame boundary to start (or restart after a PLI) with a keyframe. */
  needsKeyframe: boolean;
  /** Added to the upstream sequence number; keeps each viewer's sequence continuous across cache flushes. */
  sequenceOffset: number;
  nextSequence: number;
  lastKeyframeRequestAt: number;
}

export interface FeedTiming {
  /** No packet for this long: viewers are told the stream stalled. */
  stallMs: number;
  /** No packet for this long: viewers are told the camera is offline. */
  offlineMs: number;
}

export interface FeedStats {
  packetsIn: number;
  packetsOut: number;
  keyframeFlushes: number;
  keyframeRequests: number;
  /** Packets from an address the camera's `allowFrom` does not list: dropped before they reach the feed. */
  packetsRefused: number;
}

/**
 * One upstream H264 RTP stream fanned out to many viewers without transcoding: each viewer gets the cached GOP
 * (keyframe and the frames since) at its first frame boundary, then live packets with its own SSRC, payload type
 * and sequence numbers.
 * Single-threaded: everything runs on the event loop, so no locking.
 */
export class CameraFeed {
  private readonly viewers = new Map<FeedViewer, ViewerState>();
  private readonly cache = new GopCache();
  private readonly taps = new Set<PacketTap>();
  private state: CameraState = 'connecting';
  /** The last packet's arrival, or the feed's creation until one arrives: the clock stall and offline run on. */
  private lastPacketAt = Date.now();
  private receivedAny = false;
  private upstreamSsrc: number | null = null;
  private upstreamSequence = -1;
  private upstreamTimestamp = 0;
  private atFrameBoundary = true;
  private readonly watchdog: NodeJS.Timeout;
  readonly stats: FeedStats = {
    packetsIn: 0,
    packetsOut: 0,
    keyframeFlushes: 0,
    keyframeRequests: 0,
    packetsRefused: 0,
  };

  constructor(
    readonly cameraId: string,
    private readonly timing: FeedTiming,
    private readonly expectedPayloadType?: number,
  ) {
    this.watchdog = setInterval(() => this.checkLiveness(), Math.max(50, Math.min(timing.stallMs / 4, 500)));
    this.watchdog.unref();
  }

  get currentState(): CameraState {
    return this.state;
  }

  get viewerCount(): number {
    return this.viewers.size;
  }

  /** When the last packet arrived (`Date.now()`), or the feed's creation before any. */
  get lastPacketArrivedAt(): number {
    return this.lastPacketAt;
  }

  get hasKeyframe(): boolean {
    return this.cache.keyframe !== null;
  }

  /** The cached GOP frame by frame (see `GopCache.frames`): what a snapshot decodes. Null before a keyframe. */
  get cachedGop(): readonly (readonly Buffer[])[] | null {
    return this.cache.frames;
  }

  /** Hands every packet from upstream to `tap` too (the pre-alarm ring, a clip being recorded) until removed. */
  addTap(tap: PacketTap): () => void {
    this.taps.add(tap);
    return () => this.taps.delete(tap);
  }

  addViewer(viewer: FeedViewer): void {
    this.viewers.set(viewer, {
      viewer,
      needsKeyframe: true,
      sequenceOffset: 0,
      nextSequence: Math.floor(Math.random() * 0x8000),
      lastKeyframeRequestAt: 0,
    });
    viewer.onFeedState(this.state);
  }

  removeViewer(viewer: FeedViewer): void {
    this.viewers.delete(viewer);
  }

  /** A viewer lost a picture (PLI/FIR): it gets the cached GOP again at the next frame boundary. */
  requestKeyframe(viewer: FeedViewer): void {
    const state = this.viewers.get(viewer);
    if (!state) return;
    const now = Date.now();
    if (now - state.lastKeyframeRequestAt < 300) return;
    state.lastKeyframeRequestAt = now;
    state.needsKeyframe = true;
    this.stats.keyframeRequests++;
  }

  /** One packet from upstream. `packet` may be rewritten in place and must not be used by the caller afterwards. */
  ingest(packet: Buffer): void {
    const header = parseRtpHeader(packet);
    if (!header) return;
    if (this.expectedPayloadType !== undefined && header.payloadType !== this.expectedPayloadType) return;
    this.stats.packetsIn++;
    this.lastPacketAt = Date.now();
    this.receivedAny = true;
    const sequenceStep = (header.sequence - this.upstreamSequence) & 0xffff;
    const jumped = this.upstreamSequence >= 0 && sequenceStep > 3000 && sequenceStep < 0xffff - 3000;
    if (this.upstreamSsrc !== header.ssrc || jumped) {
      // A new upstream stream (camera or encoder restarted, maybe with the same SSRC): old keyframes and
      // sequence alignment are void. Realigning matters: a viewer's sequence going backwards would make SRTP
      // drop every packet as a replay until it caught up.
      this.upstreamSsrc = header.ssrc;
      this.cache.reset();
      for (const tap of this.taps) tap.reset();
      for (const state of this.viewers.values()) state.needsKeyframe = true;
    }
    this.upstreamSequence = header.sequence;
    this.upstreamTimestamp = header.timestamp;
    if (this.state !== 'live') this.setState('live');

    const frameStart = this.atFrameBoundary;
    this.atFrameBoundary = header.marker;
    // The GOP as it was before this packet: a frame starting now is sent live, so it must not be in the burst too.
    const cached = frameStart && this.anyViewerWaiting() ? this.cache.frames : null;
    const kind = this.cache.push(packet, header);
    for (const tap of this.taps) tap.packet(packet, header, kind);

    for (const state of this.viewers.values()) {
      if (state.needsKeyframe) {
        if (!frameStart || !state.viewer.ready) continue;
        if (kind === 'parameter-sets' || kind === 'idr') {
          // A keyframe starts right now: the viewer joins live with it.
        } else if (cached) {
          this.flushGop(state, cached, header.timestamp);
        } else {
          continue;
        }
        state.needsKeyframe = false;
        state.sequenceOffset = (state.nextSequence - header.sequence) & 0xffff;
      }
      const sequence = (header.sequence + state.sequenceOffset) & 0xffff;
      rewriteRtpHeader(packet, {
        payloadType: state.viewer.payloadType,
        sequence,
        timestamp: header.timestamp,
        ssrc: state.viewer.ssrc,
      });
      state.nextSequence = (sequence + 1) & 0xffff;
      if (state.viewer.send(packet)) this.stats.packetsOut++;
    }
  }

  /**
   * A viewer's track just opened: between two upstream frames it gets the cached GOP now, instead of with the
   * camera's next frame (up to a frame interval later: 33 ms at 30 fps). Mid-frame, or before a keyframe was
   * cached, it waits for the next frame boundary in `ingest` as before.
   */
  viewerOpened(viewer: FeedViewer): void {
    const state = this.viewers.get(viewer);
    const frames = this.cache.frames;
    if (!state?.needsKeyframe || !viewer.ready || !this.atFrameBoundary || !frames || this.upstreamSequence < 0) return;
    // Stamped one tick apart up to the timestamp of the frame that ended at this boundary; the next live one is later.
    this.flushGop(state, frames, (this.upstreamTimestamp + 1) >>> 0);
    state.needsKeyframe = false;
    state.sequenceOffset = (state.nextSequence - ((this.upstreamSequence + 1) & 0xffff)) & 0xffff;
  }

  private anyViewerWaiting(): boolean {
    for (const state of this.viewers.values()) if (state.needsKeyframe) return true;
    return false;
  }

  /**
   * Sends the cached GOP as one burst with continuous sequences, its frames stamped one tick apart just before the
   * live frame that follows: the decoder gets every reference of the live frames, and a player shows the burst's
   * last picture at once rather than replaying the GOP's seconds at their original pace.
   */
  private flushGop(state: ViewerState, frames: readonly (readonly Buffer[])[], liveTimestamp: number): void {
    this.stats.keyframeFlushes++;
    frames.forEach((packets, index) => {
      const timestamp = (liveTimestamp - (frames.length - index)) >>> 0;
      for (const cachedPacket of packets) {
        const copy = Buffer.from(cachedPacket);
        rewriteRtpHeader(copy, {
          payloadType: state.viewer.payloadType,
          sequence: state.nextSequence,
          timestamp,
          ssrc: state.viewer.ssrc,
        });
        state.nextSequence = (state.nextSequence + 1) & 0xffff;
        if (state.viewer.send(copy)) this.stats.packetsOut++;
      }
    });
  }

  private checkLiveness(): void {
    const silentFor = Date.now() - this.lastPacketAt;
    if (!this.receivedAny) {
      // A camera that never sent (unplugged, wrong address, encoder that cannot start) must still reach
      // "offline"; "stalled" would claim video that paused, so a feed that never had any skips it.
      if (silentFor >= this.timing.offlineMs) this.setState('offline', 'no video from the camera yet');
      return;
    }
    if (silentFor >= this.timing.offlineMs) this.setState('offline', 'no video from the camera');
    else if (silentFor >= this.timing.stallMs) this.setState('stalled', 'video paused');
  }

  private setState(state: CameraState, reason?: string): void {
    if (state === this.state) return;
    const resumingFromOffline = state === 'live' && this.state === 'offline';
    this.state = state;
    if (resumingFromOffline) {
      // After a long gap every viewer restarts cleanly from a keyframe (an encoder restart with a new SSRC
      // already cleared the cache in `ingest`). A short stall needs nothing: the same stream just continues.
      for (const viewerState of this.viewers.values()) viewerState.needsKeyframe = true;
    }
    for (const { viewer } of this.viewers.values()) viewer.onFeedState(state, reason);
  }

  /** Tells viewers the feed ended and stops the watchdog. */
  close(): void {
    clearInterval(this.watchdog);
    for (const { viewer } of this.viewers.values()) viewer.onFeedState('ended', 'camera feed closed');
    this.viewers.clear();
  }
}
