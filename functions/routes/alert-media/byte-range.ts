import type { ByteRange } from '../../../core/media/media-store';

/** What a `Range` header asks of an object of a known size. */
export type RangeAnswer =
  /** No usable range: the whole object, 200. */
  | { kind: 'whole' }
  /** One satisfiable range, both ends inclusive and inside the object: 206. */
  | { kind: 'partial'; range: ByteRange }
  /** A well-formed range that starts beyond the end (or asks for no bytes): 416 with `Content-Range: bytes *\/size`. */
  | { kind: 'unsatisfiable' };

const single = /^bytes=(?:(\d+)-(\d*)|-(\d+))$/;

/**
 * Reads a `Range` header the way RFC 9110 §14 allows a server to: one range is served (206); a last position past
 * the end is clamped to it; a first position at or past the end, or a zero-length suffix, is unsatisfiable (416).
 * Anything else is ignored and the whole object served (200), as §14.2 permits: a header that does not parse, a
 * unit other than bytes, a first position after the last, and several ranges (browsers' media players ask for one;
 * a multipart/byteranges answer would buy nothing here).
 */
export function answerRange(header: string | undefined, size: number): RangeAnswer {
  if (header === undefined) return { kind: 'whole' };
  const match = single.exec(header.trim().replace(/\s+/g, ''));
  if (!match) return { kind: 'whole' };
  const [, first, last, suffix] = match;
  if (suffix !== undefined) {
    const length = Number(suffix);
    if (length === 0 || size === 0) return { kind: 'unsatisfiable' };
    return { kind: 'partial', range: { start: Math.max(0, size - length), end: size - 1 } };
  }
  const start = Number(first);
  const end = last === '' || last === undefined ? Number.POSITIVE_INFINITY : Number(last);
  if (end < start) return { kind: 'whole' };
  if (start >= size) return { kind: 'unsatisfiable' };
  return { kind: 'partial', range: { start, end: Math.min(end, size - 1) } };
}
