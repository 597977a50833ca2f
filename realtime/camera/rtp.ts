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

/** Depacketizes H264 RTP payloads into an Annex B byte stream (tests and tools decode it with ffmpeg). */
export class H264Depacketizer {
  private readonly chunks: Buffer[] = [];
  private static readonly startCode = Buffer.from([0, 0, 0, 1]);

  push(packet: Uint8Array): void {
    const header = parseRtpHeader(packet);
    if (!header) return;
    const payload = Buffer.from(packet.subarray(header.payloadOffset, header.payloadOffset + header.payloadLength));
    const type = byteAt(payload, 0) & 0x1f;
    if (type === STAP_A) {
      for (let at = 1; at + 2 < payload.length; ) {
        const size = payload.readUInt16BE(at);
        this.chunks.push(H264Depacketizer.startCode, payload.subarray(at + 2, at + 2 + size));
        at += 2 + size;
      }
    } else if (type === FU_A) {
      if (byteAt(payload, 1) & 0x80) {
        this.chunks.push(
          H264Depacketizer.startCode,
          Buffer.from([(byteAt(payload, 0) & 0xe0) | (byteAt(payload, 1) & 0x1f)]),
        );
      }
      this.chunks.push(payload.subarray(2));
    } else if (type >= 1 && type <= 23) {
      this.chunks.push(H264Depacketizer.startCode, payload);
    }
  }

  annexB(): Buffer {
    return Buffer.concat(this.chunks);
  }
}
