import { beginsNalUnit, type H264PacketKind, type RtpHeader } from './rtp';

/** What a feed hands the packets it ingests to (before any viewer's rewrite), and tells of an upstream restart. */
export interface PacketTap {
  packet(packet: Buffer, header: RtpHeader, kind: H264PacketKind): void;
  /** The upstream stream restarted: what was kept refers to a stream that is gone. */
  reset(): void;
}

/**
 * A packet copied into memory of its own: `Buffer.from` would take a slice of Node's shared 8 KB pool, and one kept
 * slice keeps its whole pool block alive, so what a ring counts would not be what it holds.
 */
export function ownCopy(packet: Buffer): Buffer {
  const copy = Buffer.allocUnsafeSlow(packet.length);
  packet.copy(copy);
  return copy;
}

/** Whether a packet of this kind can start a GOP: parameter sets, or the first packet of an IDR picture. */
export function startsKeyframe(packet: Buffer, header: RtpHeader, kind: H264PacketKind): boolean {
  return kind === 'parameter-sets' || (kind === 'idr' && beginsNalUnit(packet, header));
}

interface Gop {
  /** RTP timestamp of its keyframe (its parameter sets carry the same one). */
  keyframeTimestamp: number;
  startedAt: number;
  /** The stream's parameter sets when the GOP began without its own (a camera that sends them once, or rarely). */
  parameterSets: Buffer[];
  packets: Buffer[];
  bytes: number;
}

/**
 * The last `windowMs` of one camera's RTP, whole GOPs only, so it always starts at a keyframe a decoder can begin
 * with (and with the parameter sets it needs, kept from wherever the camera last sent them): it holds every GOP that
 * overlaps the window (up to one GOP more than the window), and never more than `maxBytes` — past it the oldest GOPs
 * go, and a single GOP bigger than the budget is not kept at all (the clip then starts at the alert). Packets before
 * the first keyframe are not kept: nothing could decode them. Time trims it too: a camera gone silent leaves nothing
 * older than the window to read.
 */
export class ClipRing implements PacketTap {
  private gops: Gop[] = [];
  private bytes = 0;
  private lastPacketAt = Number.NEGATIVE_INFINITY;
  private parameterSets: Buffer[] = [];
  private parameterSetsTimestamp = -1;

  constructor(
    private readonly windowMs: number,
    private maxBytes: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The node's budget for rings is shared: each ring's share changes as cameras come and go. */
  setMaxBytes(maxBytes: number): void {
    this.maxBytes = maxBytes;
    this.trim();
  }

  get size(): number {
    return this.bytes;
  }

  /** The latest SPS/PPS the camera sent: what a recording that starts at a bare IDR puts first. */
  get latestParameterSets(): readonly Buffer[] {
    return this.parameterSets;
  }

  packet(packet: Buffer, header: RtpHeader, kind: H264PacketKind): void {
    this.lastPacketAt = this.now();
    const copy = ownCopy(packet);
    if (kind === 'parameter-sets') {
      if (header.timestamp !== this.parameterSetsTimestamp) {
        this.parameterSets = [];
        this.parameterSetsTimestamp = header.timestamp;
      }
      this.parameterSets.push(copy);
    }
    const last = this.gops.at(-1);
    if (startsKeyframe(packet, header, kind) && last?.keyframeTimestamp !== header.timestamp) {
      const ownSets = kind === 'parameter-sets';
      this.gops.push({
        keyframeTimestamp: header.timestamp,
        startedAt: this.now(),
        parameterSets: ownSets ? [] : [...this.parameterSets],
        packets: [],
        bytes: 0,
      });
    } else if (!last) {
      return;
    }
    const gop = this.gops.at(-1) as Gop;
    gop.packets.push(copy);
    gop.bytes += copy.length;
    this.bytes += copy.length;
    this.trim();
  }

  reset(): void {
    this.gops = [];
    this.bytes = 0;
    this.parameterSets = [];
    this.parameterSetsTimestamp = -1;
  }

  /** The packets held now, oldest first, starting with a keyframe's parameter sets; empty when none is held. */
  packets(): Buffer[] {
    this.trim();
    return this.gops.flatMap((gop) => [...gop.parameterSets, ...gop.packets]);
  }

  /** When the oldest packet held arrived (null when empty). */
  get oldestAt(): number | null {
    this.trim();
    return this.gops[0]?.startedAt ?? null;
  }

  private trim(): void {
    const windowStart = this.now() - this.windowMs;
    // Nothing arrived within the window (the camera went silent): what is held shows another time than the alert's.
    if (this.lastPacketAt < windowStart) {
      while (this.gops.length > 0) this.dropOldest();
      return;
    }
    // The second GOP starting before the window means the first lies wholly outside it.
    while (this.gops.length > 1 && (this.gops[1] as Gop).startedAt <= windowStart) this.dropOldest();
    while (this.bytes > this.maxBytes && this.gops.length > 0) this.dropOldest();
  }

  private dropOldest(): void {
    const dropped = this.gops.shift();
    if (dropped) this.bytes -= dropped.bytes;
  }
}
