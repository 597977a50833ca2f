import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { setPriority, tmpdir } from 'node:os';
import { join } from 'node:path';
import { H264Depacketizer } from './rtp';
import { spawnTiedToThisProcess } from './tied-spawn';

/** Niceness of media ffmpeg runs: the alert path on the same cores always comes first. */
const FFMPEG_NICENESS = 10;
const FFMPEG_TIMEOUT_MS = 30_000;
const RTP_CLOCK_HZ = 90_000;

/** A media step that failed: `reason` is short and safe to show staff; the message adds ffmpeg's own words. */
export class MediaEncodeError extends Error {
  constructor(
    readonly reason: string,
    detail?: string,
  ) {
    super(detail ? `${reason}: ${detail}` : reason);
  }
}

/** Packets depacketized between two yields to the event loop: ~1 ms of work, so alerts and video never wait. */
const PACKETS_PER_TURN = 500;
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/**
 * At most `slots` ffmpeg runs at once on this node (a burst of alerts queues instead of starving the alert path of
 * CPU); each runs niced, tied to the node (a SIGKILLed node leaves none behind), and is killed after 30 s.
 */
export class FfmpegRunner {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly ffmpegPath: string,
    private readonly slots = 2,
  ) {}

  /** Runs ffmpeg with `args`, `input` on its stdin; resolves with its stdout. Rejects on a failed start or exit. */
  async run(args: string[], input: Uint8Array): Promise<Buffer<ArrayBuffer>> {
    await this.acquire();
    try {
      return await this.spawn(args, input);
    } finally {
      this.release();
    }
  }

  private acquire(): Promise<void> {
    if (this.running < this.slots) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  private spawn(args: string[], input: Uint8Array): Promise<Buffer<ArrayBuffer>> {
    return new Promise((resolve, reject) => {
      const child = spawnTiedToThisProcess(
        this.ffmpegPath,
        ['-hide_banner', '-loglevel', 'error', '-nostdin', ...args],
        { stdio: ['pipe', 'pipe', 'pipe'] },
      );
      if (child.pid !== undefined) {
        try {
          setPriority(child.pid, FFMPEG_NICENESS);
        } catch {
          // Not allowed to lower it: it runs at normal priority, still bounded by the slots.
        }
      }
      const output: Buffer[] = [];
      let errors = '';
      const timer = setTimeout(() => child.kill('SIGKILL'), FFMPEG_TIMEOUT_MS);
      child.stdout?.on('data', (chunk: Buffer) => output.push(chunk));
      child.stderr?.on('data', (chunk: Buffer) => {
        if (errors.length < 2_000) errors += chunk.toString();
      });
      // ffmpeg exiting early (bad input) closes its stdin: the write error is the exit's to report.
      child.stdin?.on('error', () => {});
      child.on('error', (error) => {
        clearTimeout(timer);
        reject(new MediaEncodeError('ffmpeg could not start', error.message));
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        if (code === 0) resolve(Buffer.concat(output));
        else {
          const why = signal ? `killed by ${signal}` : `exited ${code}`;
          reject(new MediaEncodeError(`ffmpeg ${why}`, errors.trim().split('\n').at(-1) || undefined));
        }
      });
      child.stdin?.end(input);
    });
  }
}

/**
 * The H264 byte stream (Annex B) of RTP packets, and how many frames it holds over what span of RTP time. Works in
 * turns of PACKETS_PER_TURN, yielding between them: a 40 s clip is ~20,000 packets, ~200 ms of work that must not
 * hold the realtime node's loop.
 */
export async function annexBOf(
  packets: readonly Buffer[],
  { forDecoding = false }: { forDecoding?: boolean } = {},
): Promise<{ bytes: Buffer; frames: number; spanMs: number }> {
  // A clip must play in browsers: whole pictures from a whole keyframe on. ffmpeg decoding a snapshot conceals damage.
  const depacketizer = new H264Depacketizer(forDecoding ? { keepDamaged: true } : { fromKeyframe: true });
  for (const [index, packet] of inSequenceOrder(packets).entries()) {
    if (index > 0 && index % PACKETS_PER_TURN === 0) await nextTurn();
    depacketizer.push(packet);
  }
  // Only pictures with a slice that arrived whole count: the clip's frame rate spreads them over the time they span.
  const { pictures, firstPictureTimestamp: first, lastPictureTimestamp: last } = depacketizer;
  // RTP timestamps wrap at 2^32: the span is the forward distance.
  const ticks = first === null || last === null ? 0 : (last - first) >>> 0;
  return { bytes: depacketizer.annexB(), frames: pictures, spanMs: (ticks * 1000) / RTP_CLOCK_HZ };
}

/**
 * The packets in RTP sequence order, each sequence number once: a network may reorder or duplicate UDP, and the
 * depacketizer takes any step other than +1 for a loss (which costs whole pictures). Sequence numbers are unwrapped
 * against the previous packet's, so a wrap past 65535 keeps its order. Runs on the realtime node's thread: packets
 * already in order (the usual case) are only read, not sorted.
 */
export function inSequenceOrder(packets: readonly Buffer[]): Buffer[] {
  const numbered: { extended: number; packet: Buffer }[] = [];
  let previous: number | null = null;
  let ordered = true;
  for (const packet of packets) {
    if (packet.length < 12) continue; // not RTP (the depacketizer skips it too)
    const sequence = packet.readUInt16BE(2);
    const extended: number =
      previous === null ? sequence : previous + ((((sequence - previous) & 0xffff) ^ 0x8000) - 0x8000);
    if (previous !== null && extended <= previous) ordered = false;
    numbered.push({ extended, packet });
    previous = extended;
  }
  if (!ordered) numbered.sort((a, b) => a.extended - b.extended);
  return numbered
    .filter((entry, index) => index === 0 || entry.extended !== numbered[index - 1]?.extended)
    .map((entry) => entry.packet);
}

/**
 * One JPEG of the latest picture in `frames` (a cached GOP, keyframe first): the GOP is decoded from its keyframe,
 * only the last picture is encoded. If that one cannot be decoded (a damaged frame), the first one that can.
 */
export async function snapshotJpeg(
  runner: FfmpegRunner,
  frames: readonly (readonly Buffer[])[],
): Promise<Buffer<ArrayBuffer>> {
  const { bytes, frames: count } = await annexBOf(frames.flat(), { forDecoding: true });
  if (count === 0) throw new MediaEncodeError('no frames to decode');
  const jpegOf = (filter: string[]) =>
    runner.run(
      [
        '-f',
        'h264',
        '-i',
        'pipe:0',
        ...filter,
        '-frames:v',
        '1',
        '-c:v',
        'mjpeg',
        '-q:v',
        '3',
        '-f',
        'image2pipe',
        'pipe:1',
      ],
      bytes,
    );
  const latest = await jpegOf(['-vf', `select=eq(n\\,${count - 1})`]);
  if (latest.length > 0) return latest;
  const first = await jpegOf([]);
  if (first.length === 0) throw new MediaEncodeError('ffmpeg decoded no picture');
  return first;
}

const CLIP_FOLDER_PREFIX = 'carewatch-clip-';
/** A remux folder this old belongs to a node that died mid-remux (ffmpeg is killed after 30 s). */
const STALE_CLIP_FOLDER_MS = 10 * 60_000;

/**
 * Removes remux folders that nodes SIGKILLed in the middle of a remux left in the temporary directory (each holds up
 * to one clip). Run once when a node's camera service starts; a folder younger than STALE_CLIP_FOLDER_MS may be
 * another node's remux under way and is left.
 */
export async function removeStaleClipFolders(now = Date.now()): Promise<number> {
  let removed = 0;
  for (const name of await readdir(tmpdir()).catch(() => [])) {
    if (!name.startsWith(CLIP_FOLDER_PREFIX)) continue;
    const folder = join(tmpdir(), name);
    const modified = await stat(folder).then(
      (info) => info.mtimeMs,
      () => now,
    );
    if (now - modified < STALE_CLIP_FOLDER_MS) continue;
    await rm(folder, { recursive: true, force: true });
    removed++;
  }
  return removed;
}

/**
 * The packets (starting at a keyframe) as an MP4 without transcoding: the H264 stream copied into the container at
 * the frame rate its RTP timestamps show, `faststart` so a player can begin before the whole file arrived.
 */
export async function remuxMp4(
  runner: FfmpegRunner,
  packets: readonly Buffer[],
): Promise<{ mp4: Buffer<ArrayBuffer>; frames: number; durationMs: number }> {
  const { bytes, frames, spanMs } = await annexBOf(packets);
  if (frames < 2) throw new MediaEncodeError('not enough video for a clip');
  const fps = Math.min(120, Math.max(1, ((frames - 1) * 1000) / Math.max(spanMs, 1)));
  // MP4's index goes at the front (faststart), which needs a seekable output: a temporary file, not a pipe.
  const folder = await mkdtemp(join(tmpdir(), CLIP_FOLDER_PREFIX));
  try {
    const out = join(folder, 'clip.mp4');
    await runner.run(
      [
        '-fflags',
        '+genpts',
        // -r, not the h264 demuxer's -framerate: a stream whose SPS states a frame rate overrides -framerate, and
        // after lost pictures that rate would shorten the clip against the time it covers.
        '-r',
        fps.toFixed(3),
        '-f',
        'h264',
        '-i',
        'pipe:0',
        '-c:v',
        'copy',
        '-movflags',
        '+faststart',
        '-f',
        'mp4',
        '-y',
        out,
      ],
      bytes,
    );
    return { mp4: await readFile(out), frames, durationMs: Math.round((frames * 1000) / fps) };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}
