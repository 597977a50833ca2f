/** Just enough RTP/RTCP (RFC 3550) and H264 payload (RFC 6184) parsing to cache keyframes and forward packets. */

/** Byte at `index`, 0 past the end (callers check lengths; this keeps strict indexing honest). */
const byteAt = (bytes: Uint8Array, index: number): number => bytes[index] ?? 0;

export interface RtpHeader {
  marker: boolean;
  payloadType: number;
  sequence: number;
  timestamp: number;
  ssrc: number;
  /** Offset of the payload (after CSRCs and the header extension). */
  payloadOffset: number;
  /** Bytes of payload, padding excluded. */
  payloadLength: number;
}

export function parseRtpHeader(packet: Uint8Array): RtpHeader | null {
  if (packet.length < 12 || byteAt(packet, 0) >> 6 !== 2) return null;
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  const csrcCount = byteAt(packet, 0) & 0x0f;
  let offset = 12 + csrcCount * 4;
  if (byteAt(packet, 0) & 0x10) {
    if (packet.length < offset + 4) return null;
    offset += 4 + view.getUint16(offset + 2) * 4;
  }
  const padding = byteAt(packet, 0) & 0x20 ? byteAt(packet, packet.length - 1) : 0;
  const payloadLength = packet.length - offset - padding;
  if (payloadLength <= 0) return null;
  return {
    marker: (byteAt(packet, 1) & 0x80) !== 0,
    payloadType: byteAt(packet, 1) & 0x7f,
    sequence: view.getUint16(2),
    timestamp: view.getUint32(4),
    ssrc: view.getUint32(8),
    payloadOffset: offset,
    payloadLength,
  };
}

/** Rewrites the fields a viewer's SRTP session owns, in place; the payload is never touched (no transcoding). */
export function rewriteRtpHeader(
  packet: Uint8Array,
  fields: { payloadType: number; sequence: number; timestamp: number; ssrc: number },
): void {
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  packet[1] = (byteAt(packet, 1) & 0x80) | (fields.payloadType & 0x7f);
  view.setUint16(2, fields.sequence & 0xffff);
  view.setUint32(4, fields.timestamp >>> 0);
  view.setUint32(8, fields.ssrc >>> 0);
}

/** What a packet carries for the keyframe cache. */
export type H264PacketKind = 'parameter-sets' | 'idr' | 'other';

const SPS = 7;
const PPS = 8;
const IDR = 5;
const STAP_A = 24;
const FU_A = 28;

/** Classifies an H264 RTP payload: only SPS/PPS (plus SEI/AUD), part of an IDR picture, or anything else. */
export function classifyH264(packet: Uint8Array, header: RtpHeader): H264PacketKind {
  const payload = packet.subarray(header.payloadOffset, header.payloadOffset + header.payloadLength);
  const type = byteAt(payload, 0) & 0x1f;
  if (type === FU_A) return payload.length > 1 && (byteAt(payload, 1) & 0x1f) === IDR ? 'idr' : 'other';
  const types: number[] = [];
  if (type === STAP_A) {
    for (let at = 1; at + 2 < payload.length; ) {
      const size = (byteAt(payload, at) << 8) | byteAt(payload, at + 1);
      types.push(byteAt(payload, at + 2) & 0x1f);
      at += 2 + size;
    }
  } else {
    types.push(type);
  }
  if (types.includes(IDR)) return 'idr';
  if (types.some((t) => t === SPS || t === PPS) && types.every((t) => t === SPS || t === PPS || t === 6 || t === 9)) {
    return 'parameter-sets';
  }
  return 'other';
}

/**
 * Whether the packet begins a NAL unit: every packet does except an FU-A fragment without its start bit. A keyframe
 * begins only where its first NAL does: a recording or ring started on a middle fragment could not be decoded.
 */
export function beginsNalUnit(packet: Uint8Array, header: RtpHeader): boolean {
  const first = byteAt(packet, header.payloadOffset);
  if ((first & 0x1f) !== FU_A) return true;
  return (byteAt(packet, header.payloadOffset + 1) & 0x80) !== 0;
}

/** True when a (possibly compound) RTCP packet asks for a keyframe: PLI (PSFB FMT 1) or FIR (PSFB FMT 4). */
export function isKeyframeRequest(packet: Uint8Array): boolean {
  const view = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
  for (let at = 0; at + 4 <= packet.length; ) {
    if (byteAt(packet, at) >> 6 !== 2) return false;
    const format = byteAt(packet, at) & 0x1f;
    const type = byteAt(packet, at + 1);
    if (type === 206 && (format === 1 || format === 4)) return true;
    at += (view.getUint16(at + 2) + 1) * 4;
  }
  return false;
}

/**
 * Whether an H264 RTP payload begins a picture: parameter sets, SEI or an access unit delimiter (which come before a
 * picture's slices), or the start of its first slice (`first_mb_in_slice` 0: the first ue(v) of the slice header is a
 * single 1 bit).
 */
function beginsPicture(payload: Buffer): boolean {
  let type = byteAt(payload, 0) & 0x1f;
  let sliceHeader = 1;
  if (type === STAP_A) {
    // STAP-A header, the first unit's 16-bit size, its NAL header, then its slice header.
    type = byteAt(payload, 3) & 0x1f;
    sliceHeader = 4;
  } else if (type === FU_A) {
    if (!(byteAt(payload, 1) & 0x80)) return false;
    type = byteAt(payload, 1) & 0x1f;
    sliceHeader = 2;
  }
  if (type >= 1 && type <= IDR) return (byteAt(payload, sliceHeader) & 0x80) !== 0;
  return type >= 6 && type <= 9;
}

interface Picture {
  timestamp: number;
  /** Its NAL units, each as parts (the NAL header byte first). */
  nalUnits: Buffer[][];
  /** A packet of it was lost (or it was cut short): part of the picture is missing. */
  damaged: boolean;
  /** Holds (part of) an IDR slice. */
  idr: boolean;
  /** Holds parameter sets: if damaged, it may have been a keyframe that lost its slices. */
  parameterSets: boolean;
}

/**
 * Depacketizes H264 RTP payloads into an Annex B byte stream (stored clips, snapshots; tests decode it too), a whole
 * picture at a time. A picture missing a packet (a sequence gap, a FU-A fragment lost, the end never marked) is left
 * out whole: browsers refuse a clip with one truncated NAL unit or one picture short of a slice (Chromium:
 * MEDIA_ERR_DECODE), but play one with a picture missing. After a damaged keyframe nothing is written until the next
 * whole one, as nothing between could be decoded.
 */
export class H264Depacketizer {
  private readonly chunks: Buffer[] = [];
  private picture: Picture | null = null;
  /** The fragments of the FU-A NAL unit being put together (its NAL header first); null between units. */
  private fragments: Buffer[] | null = null;
  private lastSequence: number | null = null;
  /** Nothing is written until a whole keyframe arrives (at the start with `fromKeyframe`, after a damaged one). */
  private waitingForKeyframe: boolean;
  /** The latest SPS and the PPSs after it, from whatever arrived whole: what a keyframe without its own needs. */
  private readonly parameterSets: Buffer[] = [];
  /** Pictures written, and the RTP timestamps of the first and last of them. */
  pictures = 0;
  firstPictureTimestamp: number | null = null;
  lastPictureTimestamp: number | null = null;
  private static readonly startCode = Buffer.from([0, 0, 0, 1]);

  private readonly keepDamaged: boolean;

  /**
   * `fromKeyframe`: the stream starts at the first keyframe that arrived whole (a recording must). `keepDamaged`:
   * a damaged picture's whole NAL units are written too, and nothing waits for a keyframe — for ffmpeg decoding one
   * picture (a snapshot), which conceals a missing slice where a browser would refuse the file.
   */
  constructor({ fromKeyframe = false, keepDamaged = false }: { fromKeyframe?: boolean; keepDamaged?: boolean } = {}) {
    this.waitingForKeyframe = fromKeyframe && !keepDamaged;
    this.keepDamaged = keepDamaged;
  }

  push(packet: Uint8Array): void {
    const header = parseRtpHeader(packet);
    if (!header) return;
    // The first packet too: what came before it is unknown.
    const lost = this.lastSequence === null || header.sequence !== ((this.lastSequence + 1) & 0xffff);
    this.lastSequence = header.sequence;
    if (lost) {
      // What was lost belongs to the picture under way, the next one, or pictures between: none of them is whole.
      this.fragments = null;
      if (this.picture) this.picture.damaged = true;
    }
    if (this.picture && this.picture.timestamp !== header.timestamp) this.endPicture();
    const payload = Buffer.from(packet.subarray(header.payloadOffset, header.payloadOffset + header.payloadLength));
    // After a gap, a picture is whole from its start only if this packet begins it.
    this.picture ??= {
      timestamp: header.timestamp,
      nalUnits: [],
      damaged: lost && !beginsPicture(payload),
      idr: false,
      parameterSets: false,
    };
    this.unpack(payload);
    // RFC 6184: the marker bit is set on the last packet of a picture.
    if (header.marker) this.endPicture();
  }

  /** The stream so far, without a last picture whose end has not arrived (marked, or a next picture begun). */
  annexB(): Buffer {
    return Buffer.concat(this.chunks);
  }

  private unpack(payload: Buffer): void {
    const picture = this.picture as Picture;
    const type = byteAt(payload, 0) & 0x1f;
    if (type === FU_A) {
      const indicator = byteAt(payload, 1);
      if ((indicator & 0x1f) === IDR) picture.idr = true;
      if (indicator & 0x80) {
        // A unit still being put together, cut by a new start: its end never came.
        if (this.fragments) picture.damaged = true;
        this.fragments = [Buffer.from([(byteAt(payload, 0) & 0xe0) | (indicator & 0x1f)])];
      }
      if (!this.fragments) {
        picture.damaged = true;
        return;
      }
      this.fragments.push(payload.subarray(2));
      if (indicator & 0x40) {
        this.addNalUnit(this.fragments);
        this.fragments = null;
      }
      return;
    }
    // Any other packet ends a NAL unit still being put together: its last fragment was lost.
    if (this.fragments) {
      this.fragments = null;
      picture.damaged = true;
    }
    if (type === STAP_A) {
      for (let at = 1; at + 2 < payload.length; ) {
        const size = payload.readUInt16BE(at);
        if (at + 2 + size > payload.length) {
          picture.damaged = true;
          break;
        }
        this.addNalUnit([payload.subarray(at + 2, at + 2 + size)]);
        at += 2 + size;
      }
    } else if (type >= 1 && type <= 23) {
      this.addNalUnit([payload]);
    }
  }

  private addNalUnit(parts: Buffer[]): void {
    const picture = this.picture as Picture;
    picture.nalUnits.push(parts);
    const type = byteAt(parts[0] as Buffer, 0) & 0x1f;
    if (type === IDR) picture.idr = true;
    else if (type === SPS || type === PPS) picture.parameterSets = true;
  }

  private endPicture(): void {
    const picture = this.picture;
    this.picture = null;
    if (!picture) return;
    // A unit whose end fragment never came (a sender that cut it short): the picture is missing it.
    if (this.fragments) picture.damaged = true;
    this.fragments = null;
    this.keepParameterSets(picture);
    if (picture.damaged && !this.keepDamaged) {
      if (picture.idr || picture.parameterSets) this.waitingForKeyframe = true;
      return;
    }
    if (this.waitingForKeyframe) {
      const decodable = this.parameterSets.length > 1 && (byteAt(this.parameterSets[0] as Buffer, 0) & 0x1f) === SPS;
      if (!picture.idr || !decodable) return;
      for (const set of this.parameterSets) this.chunks.push(H264Depacketizer.startCode, set);
      this.waitingForKeyframe = false;
    }
    let slices = 0;
    for (const parts of picture.nalUnits) {
      this.chunks.push(H264Depacketizer.startCode, ...parts);
      const type = byteAt(parts[0] as Buffer, 0) & 0x1f;
      if (type >= 1 && type <= IDR) slices++;
    }
    if (slices === 0) return;
    this.pictures++;
    this.firstPictureTimestamp ??= picture.timestamp;
    this.lastPictureTimestamp = picture.timestamp;
  }

  private keepParameterSets(picture: Picture): void {
    for (const parts of picture.nalUnits) {
      const type = byteAt(parts[0] as Buffer, 0) & 0x1f;
      if (type === SPS) this.parameterSets.splice(0, this.parameterSets.length, Buffer.concat(parts));
      else if (type === PPS && this.parameterSets.length > 0) {
        const set = Buffer.concat(parts);
        if (!this.parameterSets.some((kept) => kept.equals(set))) this.parameterSets.push(set);
      }
    }
  }
}
