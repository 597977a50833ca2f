import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { inSequenceOrder } from './media-encode';
import { H264Depacketizer } from './rtp';

/** `FUZZ=1 npx vitest run realtime/camera/h264-depacketizer.property.test.ts` runs many more streams. */
const RUNS = process.env.FUZZ ? 2_000 : 100;
const MTU_PAYLOAD = 1_200;

interface Picture {
  index: number;
  timestamp: number;
  keyframe: boolean;
  /** Its NAL units as sent; every byte is non-zero, so no start code can appear inside one. */
  nalUnits: Buffer[];
}

/**
 * A NAL unit whose body names its picture and place: `header`, then the slice header's first byte (`first` says
 * whether `first_mb_in_slice` is 0), then the picture and unit numbers, then filler.
 */
function nalUnit(header: number, first: boolean, picture: number, unit: number, size: number): Buffer {
  const body = Buffer.alloc(Math.max(4, size), 0x11);
  body[0] = header;
  body[1] = first ? 0x88 : 0x44;
  body[2] = picture + 1;
  body[3] = unit + 1;
  return body;
}

/** Pictures of a camera that sends parameter sets (STAP-A) before each keyframe, each picture in `slices` slices. */
function pictures(sizes: number[][], gop: number, firstTimestamp: number): Picture[] {
  return sizes.map((sliceSizes, index) => {
    const keyframe = index % gop === 0;
    const slices = sliceSizes.map((size, unit) => nalUnit(keyframe ? 0x65 : 0x41, unit === 0, index, unit, size));
    const parameterSets = keyframe
      ? [Buffer.from([0x67, 0x42, 0xc0, 0x1e, index + 1]), Buffer.from([0x68, 0xce, 0x3c, 0x80, index + 1])]
      : [];
    return {
      index,
      timestamp: (firstTimestamp + index * 3_600) >>> 0,
      keyframe,
      nalUnits: [...parameterSets, ...slices],
    };
  });
}

interface Packet {
  picture: number;
  /** The STAP-A of a keyframe's parameter sets. */
  stap: boolean;
  /** The NAL units it carries, whole or a fragment of one. */
  units: Buffer[];
  bytes: Buffer;
}

/** RFC 6184 packetization mode 1: parameter sets in one STAP-A, big NAL units in FU-A fragments, the marker last. */
function packetize(stream: Picture[], firstSequence: number): Packet[] {
  const payloads: { picture: number; timestamp: number; payload: Buffer; units: Buffer[]; last: boolean }[] = [];
  for (const picture of stream) {
    const mine: { payload: Buffer; units: Buffer[] }[] = [];
    const sets = picture.nalUnits.filter((unit) => ((unit[0] ?? 0) & 0x1f) >= 7);
    if (sets.length > 0) {
      const payload = Buffer.concat([
        Buffer.from([0x18]),
        ...sets.flatMap((unit) => [Buffer.from([unit.length >> 8, unit.length & 0xff]), unit]),
      ]);
      mine.push({ payload, units: sets });
    }
    for (const unit of picture.nalUnits.filter((nal) => ((nal[0] ?? 0) & 0x1f) < 7)) {
      if (unit.length <= MTU_PAYLOAD) {
        mine.push({ payload: unit, units: [unit] });
        continue;
      }
      const header = unit[0] ?? 0;
      for (let at = 1; at < unit.length; at += MTU_PAYLOAD) {
        const start = at === 1 ? 0x80 : 0;
        const end = at + MTU_PAYLOAD >= unit.length ? 0x40 : 0;
        const payload = Buffer.concat([
          Buffer.from([(header & 0xe0) | 28, start | end | (header & 0x1f)]),
          unit.subarray(at, at + MTU_PAYLOAD),
        ]);
        mine.push({ payload, units: [unit] });
      }
    }
    for (const [n, { payload, units }] of mine.entries())
      payloads.push({
        picture: picture.index,
        timestamp: picture.timestamp,
        payload,
        units,
        last: n === mine.length - 1,
      });
  }
  return payloads.map(({ picture, timestamp, payload, units, last }, n) => {
    const bytes = Buffer.alloc(12 + payload.length);
    bytes[0] = 0x80;
    bytes[1] = (last ? 0x80 : 0) | 96;
    bytes.writeUInt16BE((firstSequence + n) & 0xffff, 2);
    bytes.writeUInt32BE(timestamp, 4);
    bytes.writeUInt32BE(7, 8);
    payload.copy(bytes, 12);
    return { picture, stap: ((payload[0] ?? 0) & 0x1f) === 24, units, bytes };
  });
}

/** The NAL units of an Annex B stream (none of ours holds a zero byte, so splitting at start codes is exact). */
function nalUnitsOf(annexB: Buffer): Buffer[] {
  const units: Buffer[] = [];
  let start = -1;
  for (let at = 0; at + 4 <= annexB.length; at++) {
    if (annexB[at] === 0 && annexB[at + 1] === 0 && annexB[at + 2] === 0 && annexB[at + 3] === 1) {
      if (start >= 0) units.push(annexB.subarray(start, at));
      start = at + 4;
      at += 3;
    }
  }
  if (start >= 0) units.push(annexB.subarray(start));
  return units;
}

const stream = fc.record({
  sizes: fc.array(fc.array(fc.integer({ min: 4, max: 4_000 }), { minLength: 1, maxLength: 4 }), {
    minLength: 1,
    maxLength: 40,
  }),
  gop: fc.integer({ min: 1, max: 10 }),
  firstTimestamp: fc.nat({ max: 0xffffffff }),
  // Near the wrap of the 16-bit sequence number now and then.
  firstSequence: fc.oneof(fc.nat({ max: 0xffff }), fc.integer({ min: 0xfff0, max: 0xffff })),
  lossSeed: fc.array(fc.boolean(), { maxLength: 400 }),
  lossRate: fc.constantFrom(0, 0.02, 0.1, 0.5),
  cutAtEnd: fc.nat({ max: 3 }),
});
type StreamInput = typeof stream extends fc.Arbitrary<infer T> ? T : never;

/** The packets that arrive: about `lossRate` of them lost (deterministically, from the seed), the last `cutAtEnd` not yet. */
function arriving(packets: Packet[], lossSeed: boolean[], lossRate: number, cutAtEnd: number): Packet[] {
  const lost = new Set(
    packets
      .map((_, n) => n)
      .filter((n) => lossRate > 0 && lossSeed[n % Math.max(1, lossSeed.length)] && (n * 7919) % 100 < lossRate * 200),
  );
  return packets.filter((_, n) => !lost.has(n)).slice(0, packets.length - lost.size - cutAtEnd);
}

/** A stream as sent, its packets, and those that arrived. */
function lossScenario({ sizes, gop, firstTimestamp, firstSequence, lossSeed, lossRate, cutAtEnd }: StreamInput) {
  const sent = pictures(sizes, gop, firstTimestamp);
  const packets = packetize(sent, firstSequence);
  const received = arriving(packets, lossSeed, lossRate, cutAtEnd);
  return { sent, packets, received, arrived: new Set(received.map((packet) => packet.bytes)) };
}

describe('H264 depacketizer under packet loss', () => {
  test('packets reordered and duplicated on the way are put back in sequence order, each once, across the wrap', () => {
    fc.assert(
      fc.property(
        stream,
        fc.array(fc.nat(), { maxLength: 60 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        ({ sizes, gop, firstTimestamp, firstSequence }, swaps, duplicates) => {
          const packets = packetize(pictures(sizes, gop, firstTimestamp), firstSequence).map((packet) => packet.bytes);
          const mutated = [...packets];
          // Neighbours swapped (a few places apart at most, as a network reorders), some packets twice.
          for (const swap of swaps) {
            const at = swap % mutated.length;
            const to = Math.min(mutated.length - 1, at + 1 + (swap % 3));
            [mutated[at], mutated[to]] = [mutated[to] as Buffer, mutated[at] as Buffer];
          }
          for (const duplicate of duplicates) {
            const at = duplicate % mutated.length;
            mutated.splice(at, 0, mutated[at] as Buffer);
          }
          expect(inSequenceOrder(mutated)).toEqual(packets);
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('for decoding one picture (a snapshot): every whole NAL unit of every picture that ended, in order', () => {
    fc.assert(
      fc.property(stream, (input) => {
        const { sent, packets, received, arrived } = lossScenario(input);
        const depacketizer = new H264Depacketizer({ keepDamaged: true });
        for (const packet of received) depacketizer.push(packet.bytes);

        // A picture ends with its marked last packet, or when a later picture's packet arrives.
        const ended = (picture: Picture) =>
          received.some((packet) => packet.picture > picture.index) ||
          arrived.has(packets.filter((packet) => packet.picture === picture.index).at(-1)?.bytes as Buffer);
        const whole = (unit: Buffer) =>
          packets.filter((packet) => packet.units.includes(unit)).every((packet) => arrived.has(packet.bytes));
        const expected = sent.filter(ended).flatMap((picture) => picture.nalUnits.filter(whole));
        expect(nalUnitsOf(depacketizer.annexB())).toEqual(expected);
      }),
      { numRuns: RUNS },
    );
  }, 600_000);

  test('writes exactly the pictures that arrived whole and can be decoded from a whole keyframe; nothing partial', () => {
    fc.assert(
      fc.property(stream, (input) => {
        const { sent, packets, received, arrived } = lossScenario(input);
        // Whole: every slice arrived (a keyframe's parameter sets may be lost: the last ones seen still decode it).
        const whole = (picture: Picture) =>
          packets.every((packet) => packet.picture !== picture.index || packet.stap || arrived.has(packet.bytes));
        const parameterSetsBy = (keyframe: Picture) =>
          packets.some((packet) => packet.stap && packet.picture <= keyframe.index && arrived.has(packet.bytes));

        const depacketizer = new H264Depacketizer({ fromKeyframe: true });
        for (const packet of received) depacketizer.push(packet.bytes);
        const written = nalUnitsOf(depacketizer.annexB());

        // Expected: a whole picture whose GOP's keyframe came whole, and every picture of it in order.
        // Expected, picture by picture: a damaged keyframe (one that lost some, not all, of its packets) stops the
        // stream until a whole keyframe with parameter sets (its own or earlier ones) comes; a picture lost entirely
        // cannot be told from a damaged one's tail, and changes nothing.
        const expected: Picture[] = [];
        let waiting = true;
        for (const picture of sent) {
          const mine = packets.filter((packet) => packet.picture === picture.index);
          if (!mine.some((packet) => arrived.has(packet.bytes))) continue;
          if (!whole(picture)) {
            if (picture.keyframe) waiting = true;
            continue;
          }
          if (waiting && !(picture.keyframe && parameterSetsBy(picture))) continue;
          waiting = false;
          expected.push(picture);
        }
        const slicesWritten = written.filter((unit) => ((unit[0] ?? 0) & 0x1f) <= 5);
        expect(slicesWritten).toEqual(
          expected.flatMap((picture) => picture.nalUnits.filter((unit) => ((unit[0] ?? 0) & 0x1f) <= 5)),
        );
        expect(depacketizer.pictures).toBe(expected.length);
        expect(depacketizer.firstPictureTimestamp).toBe(expected[0]?.timestamp ?? null);
        expect(depacketizer.lastPictureTimestamp).toBe(expected.at(-1)?.timestamp ?? null);
        // The stream starts with the parameter sets its first keyframe needs.
        if (expected.length > 0) expect(written.slice(0, 2).map((unit) => (unit[0] ?? 0) & 0x1f)).toEqual([7, 8]);
      }),
      { numRuns: RUNS },
    );
  }, 600_000);
});
