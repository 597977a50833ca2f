import type { H264PacketKind, RtpHeader } from './rtp';

/** What a feed hands the packets it ingests to (before any viewer's rewrite), and tells of an upstream restart. */
export interface PacketTap {
  packet(packet: Buffer, header: RtpHeader, kind: H264PacketKind): void;
  /** The upstream stream restarted: what was kept refers to a stream that is gone. */
  reset(): void;
}

interface Gop {
  /** RTP timestamp of its keyframe (its parameter sets carry the same one). */
  keyframeTimestamp: number;
  startedAt: number;
  packets: Buffer[];
  bytes: number;
}

/**
 * The last `windowMs` of one camera's RTP, whole GOPs only, so it always starts at a keyframe a decoder can begin
 * with: it holds every GOP that overlaps the window (up to one GOP more than the window), and never more than
 * `maxBytes` — past it the oldest GOPs go, and a single GOP bigger than the budget is not kept at all (the clip
 * then starts at the alert). Packets before the first keyframe are not kept: nothing could decode them.
 */
export class ClipRing implements PacketTap {
  private gops: Gop[] = [];
  private bytes = 0;

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

  packet(packet: Buffer, header: RtpHeader, kind: H264PacketKind): void {
    const last = this.gops.at(-1);
    const startsGop = (kind === 'parameter-sets' || kind === 'idr') && last?.keyframeTimestamp !== header.timestamp;
    if (startsGop) {
      this.gops.push({ keyframeTimestamp: header.timestamp, startedAt: this.now(), packets: [], bytes: 0 });
    } else if (!last) {
      return;
    }
    const gop = this.gops.at(-1) as Gop;
    gop.packets.push(Buffer.from(packet));
    gop.bytes += packet.length;
    this.bytes += packet.length;
    this.trim();
  }

  reset(): void {
    this.gops = [];
    this.bytes = 0;
  }

  /** The packets held now, oldest first, starting with a keyframe; empty when no keyframe is held. */
  packets(): Buffer[] {
    return this.gops.flatMap((gop) => gop.packets);
  }

  /** When the oldest packet held arrived (null when empty). */
  get oldestAt(): number | null {
    return this.gops[0]?.startedAt ?? null;
  }

  private trim(): void {
    const windowStart = this.now() - this.windowMs;
    // The second GOP starting before the window means the first lies wholly outside it.
    while (this.gops.length > 1 && (this.gops[1] as Gop).startedAt <= windowStart) this.dropOldest();
    while (this.bytes > this.maxBytes && this.gops.length > 0) this.dropOldest();
  }

  private dropOldest(): void {
    const dropped = this.gops.shift();
    if (dropped) this.bytes -= dropped.bytes;
  }
}
