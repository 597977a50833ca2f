import fc from 'fast-check';
import { expect, test } from 'vitest';
import { ClipRing } from './clip-ring';
import type { H264PacketKind, RtpHeader } from './rtp';

/** A synthetic stream: frames at `frameMs`, a keyframe (parameter sets + IDR) every `gop` frames, `size` bytes each. */
interface Step {
  kind: H264PacketKind;
  timestamp: number;
  size: number;
  at: number;
}

const header = (timestamp: number): RtpHeader => ({
  marker: true,
  payloadType: 96,
  sequence: 0,
  timestamp,
  ssrc: 1,
  payloadOffset: 12,
  payloadLength: 1,
});

function stream(frames: number, gop: number, frameMs: number, size: number, skipFirst: number): Step[] {
  const steps: Step[] = [];
  for (let frame = skipFirst; frame < frames; frame++) {
    const at = frame * frameMs;
    const timestamp = (frame * frameMs * 90) >>> 0;
    if (frame % gop === 0) {
      steps.push({ kind: 'parameter-sets', timestamp, size: 30, at });
      steps.push({ kind: 'idr', timestamp, size: size * 4, at });
    } else {
      steps.push({ kind: 'other', timestamp, size, at });
    }
  }
  return steps;
}

const packetOf = (step: Step, index: number) => {
  const packet = Buffer.alloc(step.size);
  packet.writeUInt32BE(index, 0);
  packet.write(step.kind[0] ?? 'o', 4);
  return packet;
};

test('the ring starts at a keyframe, covers its window when it can, and never holds more than its budget', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 250 }),
      fc.integer({ min: 1, max: 60 }),
      fc.integer({ min: 10, max: 200 }),
      fc.integer({ min: 50, max: 3_000 }),
      fc.integer({ min: 0, max: 30 }),
      fc.integer({ min: 200, max: 20_000 }),
      fc.integer({ min: 1_000, max: 2_000_000 }),
      (frames, gop, frameMs, size, skipFirst, windowMs, maxBytes) => {
        let now = 0;
        const ring = new ClipRing(windowMs, maxBytes, () => now);
        const steps = stream(frames, gop, frameMs, size, skipFirst);
        let firstKeyframeAt: number | null = null;
        steps.forEach((step, index) => {
          now = step.at;
          if (step.kind !== 'other') firstKeyframeAt ??= step.at;
          ring.packet(packetOf(step, index), header(step.timestamp), step.kind);
          const held = ring.packets();
          expect(ring.size).toBeLessThanOrEqual(maxBytes);
          expect(held.reduce((sum, packet) => sum + packet.length, 0)).toBe(ring.size);
          if (held.length === 0) return;
          // Starts with the parameter sets of a keyframe, never a P-frame.
          expect(String.fromCharCode(held[0]?.[4] ?? 0)).toBe('p');
          // Packets stay in arrival order.
          const order = held.map((packet) => packet.readUInt32BE(0));
          expect(order).toEqual([...order].sort((a, b) => a - b));
          const oldest = ring.oldestAt ?? now;
          // Nothing older than a GOP past the window is kept.
          expect(oldest).toBeGreaterThan(now - windowMs - gop * frameMs - 1);
          // With room to spare, the window is covered from its start (or from the first keyframe there was).
          const budgetRoom = (frames + 2) * (size * 4 + 30) <= maxBytes;
          if (budgetRoom && firstKeyframeAt !== null) {
            expect(oldest).toBeLessThanOrEqual(Math.max(firstKeyframeAt, now - windowMs));
          }
        });
      },
    ),
    { numRuns: 100 },
  );
});

test('an upstream restart empties the ring; packets before the first keyframe are not kept', () => {
  const ring = new ClipRing(10_000, 1_000_000, () => 0);
  ring.packet(Buffer.alloc(100), header(1), 'other');
  expect(ring.packets()).toEqual([]);
  ring.packet(Buffer.alloc(30), header(2), 'parameter-sets');
  ring.packet(Buffer.alloc(400), header(2), 'idr');
  ring.packet(Buffer.alloc(100), header(3), 'other');
  expect(ring.size).toBe(530);
  ring.reset();
  expect(ring.packets()).toEqual([]);
  expect(ring.size).toBe(0);
  ring.packet(Buffer.alloc(100), header(4), 'other');
  expect(ring.size).toBe(0);
});

test('a shrinking node budget trims the ring at once', () => {
  const ring = new ClipRing(60_000, 1_000_000, () => 0);
  for (let frame = 0; frame < 100; frame++) {
    ring.packet(Buffer.alloc(1000), header(frame), frame % 10 === 0 ? 'idr' : 'other');
  }
  expect(ring.size).toBe(100_000);
  ring.setMaxBytes(25_000);
  expect(ring.size).toBeLessThanOrEqual(25_000);
  expect(ring.size).toBe(20_000);
});

/** A packet with a real H264 payload start: `nal` is the first payload byte, `fu` the FU-A header when nal is 28. */
function h264Packet(nal: number, fu = 0, size = 100): Buffer {
  const packet = Buffer.alloc(size);
  packet[0] = 0x80;
  packet[12] = nal;
  packet[13] = fu;
  return packet;
}

test('a camera that sent its parameter sets once: every GOP the ring gives still starts with them', () => {
  let now = 0;
  const ring = new ClipRing(1_000, 1_000_000, () => now);
  ring.packet(h264Packet(0x67, 0, 20), header(0), 'parameter-sets');
  for (let frame = 0; frame < 100; frame++) {
    now = frame * 40;
    const timestamp = frame * 3600;
    if (frame % 10 === 0) {
      // An IDR in two FU-A fragments: only the one with the start bit may begin a GOP.
      ring.packet(h264Packet(0x7c, 0x85), header(timestamp), 'idr');
      ring.packet(h264Packet(0x7c, 0x45), header(timestamp), 'idr');
    } else {
      ring.packet(h264Packet(0x41), header(timestamp), 'other');
    }
  }
  const held = ring.packets();
  expect(held[0]?.[12]).toBe(0x67);
  expect(held[0]?.length).toBe(20);
  expect([held[1]?.[12], held[1]?.[13]]).toEqual([0x7c, 0x85]);
  // The window (1 s) and the GOP (400 ms): the GOPs overlapping the last second, ~3, each with its SPS in front.
  expect(held.filter((packet) => packet[12] === 0x67).length).toBe(held.filter((packet) => packet[13] === 0x85).length);
});

test('a middle fragment of an IDR never starts a GOP, and a camera gone silent for a window leaves nothing', () => {
  let now = 0;
  const ring = new ClipRing(1_000, 1_000_000, () => now);
  ring.packet(h264Packet(0x7c, 0x45), header(1), 'idr');
  expect(ring.packets()).toEqual([]);
  ring.packet(h264Packet(0x7c, 0x85), header(2), 'idr');
  expect(ring.packets()).toHaveLength(1);
  now = 1_001;
  expect(ring.packets()).toEqual([]);
  expect(ring.oldestAt).toBeNull();
});
