import { classifyH264, type H264PacketKind, type RtpHeader } from './rtp';

/**
 * Bounds of one cached GOP; past either only the keyframe is kept until the next one (a long or heavy GOP). A 2 s
 * GOP of the 640×480 test pattern is ~750 packets; 2 MB is the burst a joining viewer may get at most.
 */
export const GOP_CACHE_MAX_PACKETS = 1800;
export const GOP_CACHE_MAX_BYTES = 2 * 1024 * 1024;

/**
 * The current GOP of one camera as RTP packets, frame by frame: the latest complete keyframe (parameter sets
 * SPS/PPS and every packet of the IDR picture), then every complete frame since. A new viewer gets it at once
 * instead of waiting up to a whole GOP for the camera's next keyframe, and, having every frame the live ones
 * refer to, a clean picture from the start (the same idea as libdatachannel's streamer "initial NALUs" and
 * go2rtc's GOP cache). Bounded by GOP_CACHE_MAX_PACKETS / _BYTES: over them only the keyframe is kept.
 */
export class GopCache {
  private parameterSets: Buffer[] = [];
  private parameterSetsTimestamp = -1;
  private building: Buffer[] | null = null;
  private buildingTimestamp = -1;
  private complete: Buffer[] | null = null;
  /** Complete frames after the keyframe; null when over the bounds (until the next keyframe). */
  private followers: Buffer[][] | null = [];
  private follower: Buffer[] = [];
  private followerTimestamp = -1;
  private packets = 0;
  private bytes = 0;

  /** Feeds one upstream packet; returns how it was classified. The cache keeps its own copy. */
  push(packet: Buffer, header: RtpHeader): H264PacketKind {
    const kind = classifyH264(packet, header);
    if (kind === 'parameter-sets') {
      if (header.timestamp !== this.parameterSetsTimestamp) {
        this.parameterSets = [];
        this.parameterSetsTimestamp = header.timestamp;
      }
      this.parameterSets.push(Buffer.from(packet));
      return kind;
    }
    const continuesKeyframe = this.building !== null && header.timestamp === this.buildingTimestamp;
    if (kind === 'idr' || continuesKeyframe) {
      if (!continuesKeyframe) {
        this.building = [];
        this.buildingTimestamp = header.timestamp;
        // Frames from here on refer to this keyframe, not the cached one: the old GOP ends (its keyframe stays
        // until this one completes).
        this.followers = null;
        this.follower = [];
      }
      this.building?.push(Buffer.from(packet));
      if (header.marker && this.building) {
        if (this.parameterSets.length > 0) this.startGop([...this.parameterSets, ...this.building]);
        this.building = null;
      }
      return kind;
    }
    this.building = null;
    if (this.complete) this.follow(packet, header);
    return kind;
  }

  /** The packets of the latest complete keyframe, parameter sets first; null until one has been seen. */
  get keyframe(): readonly Buffer[] | null {
    return this.complete;
  }

  /**
   * The cached GOP frame by frame, the keyframe first; frames still arriving are left out. Null until a keyframe
   * has been seen.
   */
  get frames(): readonly (readonly Buffer[])[] | null {
    if (!this.complete) return null;
    return [this.complete, ...(this.followers ?? [])];
  }

  /** Forgets everything (the upstream restarted: a stale keyframe would corrupt the new stream). */
  reset(): void {
    this.parameterSets = [];
    this.parameterSetsTimestamp = -1;
    this.building = null;
    this.complete = null;
    this.followers = [];
    this.follower = [];
    this.packets = 0;
    this.bytes = 0;
  }

  private startGop(keyframe: Buffer[]): void {
    this.complete = keyframe;
    this.followers = [];
    this.follower = [];
    this.packets = keyframe.length;
    this.bytes = keyframe.reduce((sum, packet) => sum + packet.length, 0);
  }

  private follow(packet: Buffer, header: RtpHeader): void {
    if (!this.followers) return;
    // A frame whose marker packet was lost upstream ends where the next begins; live viewers got it that way too.
    if (this.follower.length > 0 && header.timestamp !== this.followerTimestamp) this.endFollower();
    if (!this.followers) return;
    this.packets++;
    this.bytes += packet.length;
    if (this.packets > GOP_CACHE_MAX_PACKETS || this.bytes > GOP_CACHE_MAX_BYTES) {
      this.followers = null;
      this.follower = [];
      return;
    }
    this.followerTimestamp = header.timestamp;
    this.follower.push(Buffer.from(packet));
    if (header.marker) this.endFollower();
  }

  private endFollower(): void {
    this.followers?.push(this.follower);
    this.follower = [];
  }
}
