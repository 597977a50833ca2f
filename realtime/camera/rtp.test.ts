import { describe, expect, test } from 'vitest';
import { CameraFeed, type FeedViewer } from './camera-feed';
import { toLibdatachannelIceServers } from './env';
import { GOP_CACHE_MAX_PACKETS, GopCache } from './gop-cache';
import { classifyH264, isKeyframeRequest, parseRtpHeader, rewriteRtpHeader } from './rtp';
import { candidateFamily, offerAsDtlsClient, pickH264, splitCandidates } from './sdp';

/** An RTP packet (PT 96) with the given H264 payload. */
function rtp(payload: number[], { seq = 1, ts = 1000, marker = false, ssrc = 42 } = {}): Buffer {
  const packet = Buffer.alloc(12 + payload.length);
  packet[0] = 0x80;
  packet[1] = (marker ? 0x80 : 0) | 96;
  packet.writeUInt16BE(seq, 2);
  packet.writeUInt32BE(ts, 4);
  packet.writeUInt32BE(ssrc, 8);
  Buffer.from(payload).copy(packet, 12);
  return packet;
}

const sps = [0x67, 0x42, 0xc0, 0x1e];
const pps = [0x68, 0xce, 0x3c, 0x80];
const fuIdrStart = [0x7c, 0x85, 0xaa];
const fuIdrEnd = [0x7c, 0x45, 0xbb];
const pSlice = [0x41, 0x9a, 0x01];

describe('RTP and H264 parsing', () => {
  test('parses the header and classifies parameter sets, IDR fragments, STAP-A and P slices', () => {
    const packet = rtp(sps, { seq: 65535, ts: 0xfffffff0, marker: true, ssrc: 0xdeadbeef });
    expect(parseRtpHeader(packet)).toMatchObject({
      marker: true,
      payloadType: 96,
      sequence: 65535,
      timestamp: 0xfffffff0,
      ssrc: 0xdeadbeef,
      payloadOffset: 12,
    });
    const classify = (payload: number[]) => {
      const p = rtp(payload);
      const header = parseRtpHeader(p);
      if (!header) throw new Error('unparsed');
      return classifyH264(p, header);
    };
    expect(classify(sps)).toBe('parameter-sets');
    expect(classify(fuIdrStart)).toBe('idr');
    expect(classify(fuIdrEnd)).toBe('idr');
    expect(classify(pSlice)).toBe('other');
    expect(classify([0x78, 0, 4, ...sps, 0, 4, ...pps])).toBe('parameter-sets'); // STAP-A of SPS+PPS
    expect(classify([0x78, 0, 4, ...sps, 0, 3, 0x65, 0x88, 0x80])).toBe('idr'); // STAP-A with an IDR
    expect(parseRtpHeader(Buffer.from([0x40, 96, 0, 1]))).toBeNull();
  });

  test('rewrites SSRC, payload type, sequence and timestamp but keeps the marker and payload', () => {
    const packet = rtp(pSlice, { marker: true });
    rewriteRtpHeader(packet, { payloadType: 102, sequence: 7, timestamp: 99, ssrc: 1234 });
    expect(parseRtpHeader(packet)).toMatchObject({
      marker: true,
      payloadType: 102,
      sequence: 7,
      timestamp: 99,
      ssrc: 1234,
    });
    expect([...packet.subarray(12)]).toEqual(pSlice);
  });

  test('recognises PLI and FIR inside compound RTCP, and nothing else', () => {
    const receiverReport = [0x80, 201, 0, 1, 0, 0, 0, 1];
    const pli = [0x81, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2];
    const nack = [0x81, 205, 0, 3, 0, 0, 0, 1, 0, 0, 0, 2, 0, 5, 0, 0];
    expect(isKeyframeRequest(Buffer.from([...receiverReport, ...pli]))).toBe(true);
    expect(isKeyframeRequest(Buffer.from([0x84, 206, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2]))).toBe(true);
    expect(isKeyframeRequest(Buffer.from([...receiverReport, ...nack]))).toBe(false);
  });
});

describe('GOP cache', () => {
  test('keeps parameter sets and the last complete IDR, ignores P-frames and incomplete keyframes', () => {
    const cache = new GopCache();
    const push = (packet: Buffer) => {
      const header = parseRtpHeader(packet);
      if (!header) throw new Error('unparsed');
      return cache.push(packet, header);
    };
    push(rtp(pSlice, { ts: 1, marker: true }));
    expect(cache.keyframe).toBeNull();
    push(rtp(sps, { seq: 2, ts: 3000 }));
    push(rtp(pps, { seq: 3, ts: 3000 }));
    push(rtp(fuIdrStart, { seq: 4, ts: 3000 }));
    expect(cache.keyframe).toBeNull();
    push(rtp(fuIdrEnd, { seq: 5, ts: 3000, marker: true }));
    expect(cache.keyframe?.map((packet) => packet.readUInt16BE(2))).toEqual([2, 3, 4, 5]);
    push(rtp(pSlice, { seq: 6, ts: 6000, marker: true }));
    push(rtp(fuIdrStart, { seq: 7, ts: 9000 })); // a keyframe that never completes
    push(rtp(pSlice, { seq: 9, ts: 12000, marker: true }));
    expect(cache.keyframe?.map((packet) => packet.readUInt16BE(2))).toEqual([2, 3, 4, 5]);
    cache.reset();
    expect(cache.keyframe).toBeNull();
  });
});

describe('GOP cache of the frames since the keyframe', () => {
  const pushInto = (cache: GopCache) => (packet: Buffer) => {
    const header = parseRtpHeader(packet);
    if (!header) throw new Error('unparsed');
    return cache.push(packet, header);
  };
  const sequences = (frames: readonly (readonly Buffer[])[] | null) =>
    frames?.map((frame) => frame.map((packet) => packet.readUInt16BE(2)));

  test('keeps every complete frame after the keyframe, not one still arriving; a new IDR starts a new GOP', () => {
    const cache = new GopCache();
    const push = pushInto(cache);
    push(rtp(pSlice, { seq: 1, ts: 0, marker: true })); // before any keyframe: nothing to refer to
    expect(cache.frames).toBeNull();
    push(rtp(sps, { seq: 2, ts: 3000 }));
    push(rtp(pps, { seq: 3, ts: 3000 }));
    push(rtp(fuIdrStart, { seq: 4, ts: 3000 }));
    push(rtp(fuIdrEnd, { seq: 5, ts: 3000, marker: true }));
    push(rtp(pSlice, { seq: 6, ts: 6000, marker: true }));
    push(rtp(pSlice, { seq: 7, ts: 9000 }));
    push(rtp(pSlice, { seq: 8, ts: 9000, marker: true }));
    push(rtp(pSlice, { seq: 9, ts: 12000 })); // the frame in progress
    expect(sequences(cache.frames)).toEqual([[2, 3, 4, 5], [6], [7, 8]]);
    push(rtp(sps, { seq: 10, ts: 15000 }));
    push(rtp(pps, { seq: 11, ts: 15000 }));
    push(rtp(fuIdrStart, { seq: 12, ts: 15000 }));
    // While the next keyframe arrives only the old keyframe is offered (later frames would refer to the new one).
    expect(sequences(cache.frames)).toEqual([[2, 3, 4, 5]]);
    push(rtp(fuIdrEnd, { seq: 13, ts: 15000, marker: true }));
    push(rtp(pSlice, { seq: 14, ts: 18000, marker: true }));
    expect(sequences(cache.frames)).toEqual([[10, 11, 12, 13], [14]]);
  });

  test('over its bound only the keyframe is kept, until the next keyframe', () => {
    const cache = new GopCache();
    const push = pushInto(cache);
    push(rtp(sps, { seq: 1, ts: 0 }));
    push(rtp(pps, { seq: 2, ts: 0 }));
    push(rtp(fuIdrStart, { seq: 3, ts: 0 }));
    push(rtp(fuIdrEnd, { seq: 4, ts: 0, marker: true }));
    for (let frame = 1; frame <= GOP_CACHE_MAX_PACKETS; frame++) {
      push(rtp(pSlice, { seq: 4 + frame, ts: frame * 3000, marker: true }));
    }
    expect(sequences(cache.frames)).toEqual([[1, 2, 3, 4]]);
  });
});

describe('a viewer joining mid-GOP', () => {
  test('gets the cached GOP as one burst before the live frame: continuous sequences, timestamps just before', () => {
    const feed = new CameraFeed('camera', { stallMs: 60_000, offlineMs: 120_000 }, 96);
    const received: { sequence: number; timestamp: number; payload: number }[] = [];
    const viewer: FeedViewer = {
      payloadType: 102,
      ssrc: 7,
      ready: true,
      send: (packet) => {
        const header = parseRtpHeader(packet);
        if (!header) throw new Error('unparsed');
        received.push({ sequence: header.sequence, timestamp: header.timestamp, payload: packet[12] ?? 0 });
        return true;
      },
      onFeedState: () => {},
    };
    feed.ingest(rtp(sps, { seq: 100, ts: 3000 }));
    feed.ingest(rtp(pps, { seq: 101, ts: 3000 }));
    feed.ingest(rtp(fuIdrStart, { seq: 102, ts: 3000 }));
    feed.ingest(rtp(fuIdrEnd, { seq: 103, ts: 3000, marker: true }));
    feed.ingest(rtp(pSlice, { seq: 104, ts: 6000, marker: true }));
    feed.ingest(rtp(pSlice, { seq: 105, ts: 9000, marker: true }));
    feed.addViewer(viewer);
    feed.ingest(rtp(pSlice, { seq: 106, ts: 12000, marker: true }));
    feed.ingest(rtp(pSlice, { seq: 107, ts: 15000, marker: true }));
    feed.close();

    expect(received.map((packet) => packet.payload)).toEqual([0x67, 0x68, 0x7c, 0x7c, 0x41, 0x41, 0x41, 0x41]);
    const [first] = received;
    expect(received.map((packet) => packet.sequence)).toEqual(
      received.map((_, index) => ((first?.sequence ?? 0) + index) & 0xffff),
    );
    // The burst: keyframe, then its two P-frames, each one tick apart, right before the live frame at 12000.
    expect(received.map((packet) => packet.timestamp)).toEqual([
      11997, 11997, 11997, 11997, 11998, 11999, 12000, 15000,
    ]);
  });
});

describe('a viewer whose track opens between two frames', () => {
  test("gets the cached GOP at once, ending at the last cached frame's timestamp; the next live frame continues it", () => {
    const feed = new CameraFeed('camera', { stallMs: 60_000, offlineMs: 120_000 }, 96);
    const received: { sequence: number; timestamp: number }[] = [];
    let ready = false;
    const viewer: FeedViewer = {
      payloadType: 102,
      ssrc: 7,
      get ready() {
        return ready;
      },
      send: (packet) => {
        const header = parseRtpHeader(packet);
        if (!header) throw new Error('unparsed');
        received.push({ sequence: header.sequence, timestamp: header.timestamp });
        return true;
      },
      onFeedState: () => {},
    };
    feed.addViewer(viewer);
    feed.viewerOpened(viewer); // nothing cached yet: it waits
    feed.ingest(rtp(sps, { seq: 100, ts: 3000 }));
    feed.ingest(rtp(pps, { seq: 101, ts: 3000 }));
    feed.ingest(rtp(fuIdrStart, { seq: 102, ts: 3000 }));
    feed.ingest(rtp(fuIdrEnd, { seq: 103, ts: 3000, marker: true }));
    feed.ingest(rtp(pSlice, { seq: 104, ts: 6000 }));
    ready = true;
    feed.viewerOpened(viewer); // mid-frame: it waits for the frame boundary
    expect(received).toEqual([]);
    feed.ingest(rtp(pSlice, { seq: 105, ts: 6000, marker: true }));
    expect(received).toEqual([]); // not open before, so not flushed by ingest either (ready is read at packets)
    feed.viewerOpened(viewer);
    expect(received.map((packet) => packet.timestamp)).toEqual([5999, 5999, 5999, 5999, 6000, 6000]);
    feed.viewerOpened(viewer); // once only
    feed.ingest(rtp(pSlice, { seq: 106, ts: 9000, marker: true }));
    feed.close();
    expect(received.at(-1)?.timestamp).toBe(9000);
    const [first] = received;
    expect(received.map((packet) => packet.sequence)).toEqual(
      received.map((_, index) => ((first?.sequence ?? 0) + index) & 0xffff),
    );
  });
});

describe('negotiation helpers', () => {
  test('ICE servers become libdatachannel URLs with encoded TURN credentials', () => {
    expect(
      toLibdatachannelIceServers([
        { urls: 'stun:stun.example:3478' },
        { urls: ['turn:turn.example:3478?transport=tcp'], username: 'user@x', credential: 'p:w' },
      ]),
    ).toEqual(['stun:stun.example:3478', 'turn:user%40x:p%3Aw@turn.example:3478?transport=tcp']);
  });

  test("picks the offer's video mid and its H264 packetization-mode=1 payload type", () => {
    const offer = [
      'v=0',
      'm=audio 9 UDP/TLS/RTP/SAVPF 111',
      'a=mid:0',
      'm=video 9 UDP/TLS/RTP/SAVPF 96 102 106',
      'a=mid:1',
      'a=recvonly',
      'a=rtpmap:96 VP8/90000',
      'a=rtpmap:102 H264/90000',
      'a=fmtp:102 level-asymmetry-allowed=1;packetization-mode=0;profile-level-id=42e01f',
      'a=rtpmap:106 H264/90000',
      'a=fmtp:106 level-asymmetry-allowed=1;packetization-mode=1;profile-level-id=42e01f',
      '',
    ].join('\r\n');
    expect(pickH264(offer)).toEqual({ mid: '1', payloadType: 106 });
    expect(pickH264('v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:0\r\na=rtpmap:96 VP8/90000\r\n')).toBeNull();
  });

  test('moves every ICE candidate out of a description, each with the mid of its m-section', () => {
    const answer = [
      'v=0',
      'a=group:BUNDLE 0 1',
      'm=audio 9 UDP/TLS/RTP/SAVPF 111',
      'a=candidate:1 1 udp 2122260223 192.0.2.1 50000 typ host',
      'a=mid:0',
      'm=video 9 UDP/TLS/RTP/SAVPF 96',
      'a=mid:1',
      'a=candidate:2 1 udp 2122260223 192.0.2.1 50002 typ host',
      'a=end-of-candidates',
      'a=rtpmap:96 H264/90000',
      '',
    ].join('\r\n');
    const { sdp, candidates } = splitCandidates(answer);
    expect(candidates).toEqual([
      { candidate: 'candidate:1 1 udp 2122260223 192.0.2.1 50000 typ host', mid: '0' },
      { candidate: 'candidate:2 1 udp 2122260223 192.0.2.1 50002 typ host', mid: '1' },
    ]);
    expect(sdp).not.toMatch(/candidate/);
    expect(sdp.split('\r\n')).toEqual(answer.split('\r\n').filter((line) => !/candidate/.test(line)));
  });

  test("a candidate's address family: IPv4, IPv6, or none for an mDNS name", () => {
    expect(candidateFamily('candidate:1 1 udp 2122194687 192.0.2.2 43802 typ host')).toBe(4);
    expect(candidateFamily('a=candidate:2 1 udp 2122265343 fd00::2 59521 typ host')).toBe(6);
    expect(candidateFamily('candidate:3 1 udp 2113937151 4829f26a-6367.local 42756 typ host')).toBeNull();
    expect(candidateFamily('nonsense')).toBeNull();
  });

  test('our offer makes the server the DTLS client: actpass becomes active, nothing else changes', () => {
    const offer = 'v=0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\na=mid:video\r\na=setup:actpass\r\na=sendonly\r\n';
    expect(offerAsDtlsClient(offer)).toBe(offer.replace('a=setup:actpass', 'a=setup:active'));
  });
});
