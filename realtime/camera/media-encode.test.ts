import { execFile } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { chmod, mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ClipRing } from './clip-ring';
import { GopCache } from './gop-cache';
import { FfmpegRunner, MediaEncodeError, removeStaleClipFolders, remuxMp4, snapshotJpeg } from './media-encode';
import { parseRtpHeader } from './rtp';
import { launchChromium, testPatternRtpArgs } from './testing';

const run = promisify(execFile);

/** `seconds` of ffmpeg's test pattern as H264 RTP packets (640×480, 25 fps, a keyframe every `gopSeconds`). */
async function capturedRtp(seconds: number, gopSeconds: number): Promise<Buffer[]> {
  const socket = createSocket('udp4');
  const packets: Buffer[] = [];
  socket.on('message', (packet) => packets.push(packet));
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const port = socket.address().port;
  await run('ffmpeg', testPatternRtpArgs(port, { width: 640, height: 480, fps: 25, gopSeconds, seconds }));
  await new Promise((resolve) => setTimeout(resolve, 100));
  socket.close();
  return packets;
}

async function probe(bytes: Buffer, format: string[] = []) {
  const file = join(folder, `probe-${Math.random()}`);
  await writeFile(file, bytes);
  const { stdout } = await run('ffprobe', [
    ...['-v', 'error', ...format, '-count_frames', '-select_streams', 'v:0'],
    ...['-show_entries', 'stream=codec_name,width,height,nb_read_frames:format=duration', '-of', 'json', file],
  ]);
  const parsed = JSON.parse(stdout) as {
    streams: { codec_name: string; width: number; height: number; nb_read_frames: string }[];
    format: { duration?: string };
  };
  return { ...parsed.streams[0], duration: Number(parsed.format.duration) };
}

let folder: string;
let packets: Buffer[];
const runner = new FfmpegRunner('ffmpeg', 2);

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'carewatch-encode-'));
  packets = await capturedRtp(4, 1);
}, 30_000);

afterAll(async () => {
  await rm(folder, { recursive: true, force: true });
});

describe('event media from RTP, without transcoding the video', () => {
  test('a snapshot is one JPEG of the cached GOP at the camera resolution', async () => {
    const cache = new GopCache();
    for (const packet of packets) {
      const header = parseRtpHeader(packet);
      if (header) cache.push(packet, header);
    }
    const frames = cache.frames;
    expect(frames?.length).toBeGreaterThan(1);
    const jpeg = await snapshotJpeg(runner, frames ?? []);
    expect([...jpeg.subarray(0, 2)]).toEqual([0xff, 0xd8]);
    const image = await probe(jpeg);
    expect(image).toMatchObject({ codec_name: 'mjpeg', width: 640, height: 480 });
  });

  test('a clip of the ring is the camera’s H264 copied into MP4: same codec and size, every frame, real duration', async () => {
    let now = 0;
    const ring = new ClipRing(60_000, 64 * 1024 * 1024, () => now);
    const kinds = new GopCache();
    for (const packet of packets) {
      const header = parseRtpHeader(packet);
      if (!header) continue;
      now = (header.timestamp / 90) | 0;
      ring.packet(packet, header, kinds.push(packet, header));
    }
    const held = ring.packets();
    const { mp4, frames, durationMs } = await remuxMp4(runner, held);
    const clip = await probe(mp4);
    expect(clip).toMatchObject({ codec_name: 'h264', width: 640, height: 480 });
    expect(Number(clip.nb_read_frames)).toBe(frames);
    // 4 s of video at 25 fps, starting at its first keyframe.
    expect(frames).toBeGreaterThanOrEqual(90);
    expect(Math.abs(clip.duration * 1000 - durationMs)).toBeLessThan(100);
    expect(Math.abs(clip.duration - frames / 25)).toBeLessThan(0.1);
  });

  test('a clip recorded across lost packets still plays in a browser, to its real duration', async () => {
    const fragments = packets.map((packet, index) => ({ packet, index, header: parseRtpHeader(packet) }));
    const fuA = fragments.filter(({ packet, header }) => header && ((packet[header.payloadOffset] ?? 0) & 0x1f) === 28);
    const indicator = ({ packet, header }: (typeof fuA)[number]) => packet[(header?.payloadOffset ?? 0) + 1] ?? 0;
    const ofP = fuA.filter((fragment) => (indicator(fragment) & 0x1f) === 1);
    const middles = ofP.filter((fragment) => (indicator(fragment) & 0xc0) === 0);
    const starts = ofP.filter((fragment) => indicator(fragment) & 0x80);
    const ends = ofP.filter((fragment) => indicator(fragment) & 0x40);
    const afterFirstGop = (fragment: (typeof fuA)[number]) => fragment.index > packets.length / 4;
    // A slice of a keyframe after the first GOP: nothing until the next keyframe can be decoded.
    const keyframeSlice = fuA.find((fragment) => afterFirstGop(fragment) && (indicator(fragment) & 0x9f) === 0x85);
    // Lost on the way, after the first GOP: a few middle, first and last fragments of P pictures' slices.
    const lost = new Set(
      [
        ...middles.filter((_, n) => n % 23 === 4),
        ...starts.filter((_, n) => n % 19 === 3),
        ...ends.filter((_, n) => n % 29 === 5),
        ...(keyframeSlice ? [keyframeSlice] : []),
      ]
        .filter(afterFirstGop)
        .map((fragment) => fragment.index),
    );
    const whole = await remuxMp4(runner, packets);
    // The ring read while a picture is still arriving: its last packets are not there yet.
    const received = packets.filter((_, index) => !lost.has(index)).slice(0, -2);
    const damaged = await remuxMp4(runner, received);
    expect(lost.size).toBeGreaterThan(10);
    // Each damaged picture is left out, and a whole GOP (25 pictures) with its keyframe.
    expect(damaged.frames).toBeLessThan(whole.frames - 25 - lost.size / 4);
    expect(damaged.frames).toBeGreaterThan(whole.frames / 2);
    // The frame rate spreads the pictures left over the time they cover (the clip's last pictures are missing).
    expect(Math.abs(damaged.durationMs - whole.durationMs)).toBeLessThan(300);

    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      await page.setContent('<video id="clip" muted playsinline></video>');
      const played = await page.evaluate(async (mp4Base64) => {
        const video = document.getElementById('clip') as HTMLVideoElement;
        const ended = new Promise<{ duration: number } | { error: string }>((resolve) => {
          video.onended = () => resolve({ duration: video.duration });
          video.onerror = () => resolve({ error: `${video.error?.code}: ${video.error?.message}` });
        });
        video.src = URL.createObjectURL(
          new Blob([Uint8Array.from(atob(mp4Base64), (c) => c.charCodeAt(0))], { type: 'video/mp4' }),
        );
        video.playbackRate = 4;
        await video.play();
        return ended;
      }, damaged.mp4.toString('base64'));
      expect(played).toEqual({ duration: expect.closeTo(damaged.durationMs / 1000, 1) });
    } finally {
      await browser.close();
    }
  }, 30_000);

  test('what cannot become media fails with a reason, and ffmpeg missing or crashing is reported as such', async () => {
    await expect(snapshotJpeg(runner, [])).rejects.toThrow(MediaEncodeError);
    await expect(remuxMp4(runner, packets.slice(0, 1))).rejects.toThrow(/not enough video/);
    // Only P-frames: nothing decodes, the decoder says so.
    const cache = new GopCache();
    const other = packets.filter((packet) => {
      const header = parseRtpHeader(packet);
      return header && cache.push(packet, header) === 'other';
    });
    await expect(snapshotJpeg(runner, [other.slice(0, 40)])).rejects.toThrow(MediaEncodeError);
    await expect(snapshotJpeg(new FfmpegRunner('/nonexistent/ffmpeg'), [packets])).rejects.toThrow(/could not start/);
    const crashing = join(folder, 'crashing-ffmpeg');
    await writeFile(crashing, '#!/bin/sh\necho "simulated crash" >&2\nexit 3\n');
    await chmod(crashing, 0o755);
    await expect(snapshotJpeg(new FfmpegRunner(crashing), [packets])).rejects.toThrow(/exited 3: simulated crash/);
  });

  test('no more ffmpeg runs at once than the runner has slots', async () => {
    const log = join(folder, 'runs.log');
    const slow = join(folder, 'slow-ffmpeg');
    await writeFile(slow, `#!/bin/sh\necho start >> ${log}\nsleep 0.2\necho end >> ${log}\ncat > /dev/null\n`);
    await chmod(slow, 0o755);
    const limited = new FfmpegRunner(slow, 2);
    await Promise.all(Array.from({ length: 6 }, () => limited.run([], new Uint8Array([1]))));
    let running = 0;
    let most = 0;
    for (const line of (await readFile(log, 'utf8')).trim().split('\n')) {
      running += line === 'start' ? 1 : -1;
      most = Math.max(most, running);
    }
    expect(most).toBe(2);
  });

  test('remux folders a killed node left behind are removed at start; one young enough to be under way is not', async () => {
    const stale = join(tmpdir(), `carewatch-clip-test-stale-${process.pid}`);
    const young = join(tmpdir(), `carewatch-clip-test-young-${process.pid}`);
    await mkdir(stale, { recursive: true });
    await mkdir(young, { recursive: true });
    await writeFile(join(stale, 'clip.mp4'), 'half a clip');
    const anHourAgo = new Date(Date.now() - 3_600_000);
    await utimes(stale, anHourAgo, anHourAgo);
    expect(await removeStaleClipFolders()).toBeGreaterThanOrEqual(1);
    await expect(stat(stale)).rejects.toThrow(/ENOENT/);
    expect((await stat(young)).isDirectory()).toBe(true);
    await rm(young, { recursive: true, force: true });
  });
});
