// The staff console's app icons (infra/console/icons/*.png), drawn in code so they can be regenerated without an
// image editor: `npx tsx infra/console-icons.ts` rewrites the files; console-icons.test.ts checks the committed
// files are exactly what this draws. The mark is a white heart crossed by a pulse line, on the console's brand blue.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { deflateSync } from 'node:zlib';
import { consoleRoot } from './paths';

type Rgba = readonly [number, number, number, number];
/** app.css `--brand` (the top bar) and white. */
const BRAND: Rgba = [0x0b, 0x5c, 0xad, 255];
const WHITE: Rgba = [255, 255, 255, 255];
const CLEAR: Rgba = [0, 0, 0, 0];

interface IconSpec {
  file: string;
  size: number;
  /**
   * any: a rounded tile with transparent corners. maskable / opaque: full-bleed blue, the mark inside the central
   * 80 % circle a launcher's mask keeps (maskable) or larger (opaque: iOS rounds the corners itself).
   * badge: the white mark alone on transparent, for Android's monochrome status-bar badge.
   */
  kind: 'any' | 'maskable' | 'opaque' | 'badge';
}

export const CONSOLE_ICONS: readonly IconSpec[] = [
  { file: 'icon-192.png', size: 192, kind: 'any' },
  { file: 'icon-512.png', size: 512, kind: 'any' },
  { file: 'icon-maskable-512.png', size: 512, kind: 'maskable' },
  { file: 'apple-touch-icon.png', size: 180, kind: 'opaque' },
  { file: 'badge-96.png', size: 96, kind: 'badge' },
];

/** Width of the mark as a share of the icon, per kind. */
const MARK_SCALE = { any: 0.64, maskable: 0.5, opaque: 0.6, badge: 0.92 } as const;
/** The pulse line through the heart, in the heart's own coordinates (x right, y up; the heart spans about ±1.15). */
const PULSE: readonly (readonly [number, number])[] = [
  [-1.4, 0.15],
  [-0.45, 0.15],
  [-0.25, 0.55],
  [0.0, -0.45],
  [0.22, 0.4],
  [0.38, 0.15],
  [1.4, 0.15],
];
const PULSE_HALF_WIDTH = 0.085;
const SAMPLES = 4;

/** The icon's PNG bytes (RGBA, 8 bits per channel), anti-aliased with SAMPLES² samples per pixel. */
export function drawIcon(spec: IconSpec): Buffer {
  const { size, kind } = spec;
  const pixels = Buffer.alloc(size * size * 4);
  const markHalf = (size * MARK_SCALE[kind]) / 2;
  const unit = markHalf / 1.15;
  const corner = size * 0.22;
  for (let py = 0; py < size; py++) {
    for (let px = 0; px < size; px++) {
      // Premultiplied sums, so edges against transparency do not darken.
      let r = 0;
      let g = 0;
      let b = 0;
      let a = 0;
      for (let sy = 0; sy < SAMPLES; sy++) {
        for (let sx = 0; sx < SAMPLES; sx++) {
          const x = px + (sx + 0.5) / SAMPLES;
          const y = py + (sy + 0.5) / SAMPLES;
          // Heart coordinates: y up, nudged down so the heart's visual centre sits at the icon's centre.
          const hx = (x - size / 2) / unit;
          const hy = -(y - size / 2) / unit + 0.12;
          const colour = sample(kind, x, y, size, corner, hx, hy);
          const alpha = colour[3] / 255;
          r += colour[0] * alpha;
          g += colour[1] * alpha;
          b += colour[2] * alpha;
          a += alpha;
        }
      }
      const offset = (py * size + px) * 4;
      if (a > 0) {
        pixels[offset] = Math.round(r / a);
        pixels[offset + 1] = Math.round(g / a);
        pixels[offset + 2] = Math.round(b / a);
      }
      pixels[offset + 3] = Math.round((a / SAMPLES ** 2) * 255);
    }
  }
  return encodePng(size, size, pixels);
}

function sample(kind: IconSpec['kind'], x: number, y: number, size: number, corner: number, hx: number, hy: number) {
  const onMark = inHeart(hx, hy) && !onPulse(hx, hy);
  if (kind === 'badge') return onMark ? WHITE : CLEAR;
  if (kind === 'any' && !inRoundedSquare(x, y, size, corner)) return CLEAR;
  return onMark ? WHITE : BRAND;
}

/** The classic heart curve (x² + y² − 1)³ − x²y³ ≤ 0. */
function inHeart(x: number, y: number): boolean {
  const base = x * x + y * y - 1;
  return base * base * base - x * x * y * y * y <= 0;
}

function onPulse(x: number, y: number): boolean {
  for (let index = 1; index < PULSE.length; index++) {
    const [ax, ay] = PULSE[index - 1] as readonly [number, number];
    const [bx, by] = PULSE[index] as readonly [number, number];
    const dx = bx - ax;
    const dy = by - ay;
    const along = Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / (dx * dx + dy * dy)));
    if (Math.hypot(x - (ax + along * dx), y - (ay + along * dy)) <= PULSE_HALF_WIDTH) return true;
  }
  return false;
}

function inRoundedSquare(x: number, y: number, size: number, radius: number): boolean {
  const cx = Math.min(Math.max(x, radius), size - radius);
  const cy = Math.min(Math.max(y, radius), size - radius);
  return Math.hypot(x - cx, y - cy) <= radius;
}

/** A minimal PNG: IHDR, one IDAT (every row with filter 0), IEND. */
export function encodePng(width: number, height: number, rgba: Buffer): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, adaptive filtering, no interlace
  const rows = Buffer.alloc((width * 4 + 1) * height);
  for (let row = 0; row < height; row++) {
    rgba.copy(rows, row * (width * 4 + 1) + 1, row * width * 4, (row + 1) * width * 4);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const typeAndData = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(typeAndData));
  return Buffer.concat([length, typeAndData, crc]);
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let bit = 0; bit < 8; bit++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(bytes: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of bytes) crc = (CRC_TABLE[(crc ^ byte) & 0xff] as number) ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

export const consoleIconsDir = join(consoleRoot, 'icons');

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const spec of CONSOLE_ICONS) {
    writeFileSync(join(consoleIconsDir, spec.file), drawIcon(spec));
    console.log(`wrote ${join(consoleIconsDir, spec.file)}`);
  }
}
