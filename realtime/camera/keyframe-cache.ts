import { classifyH264, type H264PacketKind, type RtpHeader } from './rtp';

/**
 * The latest complete keyframe of one camera as RTP packets: its parameter sets (SPS/PPS) and every packet of the
 * IDR picture. A new viewer gets it at once instead of waiting up to a whole GOP for the camera's next keyframe
 * (the same idea as libdatachannel's streamer "initial NALUs" and go2rtc's GOP cache).
 */
export class KeyframeCache {
  private parameterSets: Buffer[] = [];
  private parameterSetsTimestamp = -1;
  private building: Buffer[] | null = null;
  private buildingTimestamp = -1;
  private complete: Buffer[] | null = null;

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
      }
      this.building?.push(Buffer.from(packet));
      if (header.marker && this.building) {
        if (this.parameterSets.length > 0) this.complete = [...this.parameterSets, ...this.building];
        this.building = null;
      }
    } else {
      this.building = null;
    }
    return kind;
  }

  /** The packets of the latest complete keyframe, parameter sets first; null until one has been seen. */
  get keyframe(): readonly Buffer[] | null {
    return this.complete;
  }

  /** Forgets everything (the upstream restarted: a stale keyframe would corrupt the new stream). */
  reset(): void {
    this.parameterSets = [];
    this.parameterSetsTimestamp = -1;
    this.building = null;
    this.complete = null;
  }
}
