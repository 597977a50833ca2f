import type { ChildProcess } from 'node:child_process';
import type { Logger } from '../../core/logger';
import { spawnTiedToThisProcess } from './tied-spawn';

export interface TestPatternOptions {
  width: number;
  height: number;
  fps: number;
  gopSeconds: number;
  /** Where to push RTP (the node's own ingest socket on loopback). */
  port: number;
  ssrc: number;
  payloadType: number;
  ffmpegPath: string;
}

/** Encoders of this process, killed if the process exits without stopping them (no orphaned ffmpeg). */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * The built-in camera for demos and tests: ffmpeg's moving test pattern encoded to H264 (constrained baseline,
 * parameter sets before every keyframe, fixed GOP) and pushed as RTP to the node's ingest like a real camera.
 * Restarts ffmpeg with backoff if it exits, or cannot start, while wanted.
 */
export class TestPatternSource {
  private process: ChildProcess | null = null;
  private stopped = false;
  private restartDelayMs = 500;
  private restartTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly options: TestPatternOptions,
    private readonly logger: Logger,
  ) {}

  start(): void {
    this.stopped = false;
    this.spawn();
  }

  /** The running encoder's pid (tests kill it to simulate a camera dropping out). */
  get pid(): number | undefined {
    return this.process?.pid;
  }

  stop(): void {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.process?.kill('SIGKILL');
    this.process = null;
  }

  private spawn(): void {
    const { width, height, fps, gopSeconds, port, ssrc, payloadType } = this.options;
    const gop = Math.max(1, Math.round(fps * gopSeconds));
    const args = [
      ...['-hide_banner', '-loglevel', 'error', '-nostdin', '-re'],
      ...['-f', 'lavfi', '-i', `testsrc2=size=${width}x${height}:rate=${fps}`],
      ...['-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-profile:v', 'baseline'],
      ...['-pix_fmt', 'yuv420p', '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0'],
      ...['-bsf:v', 'dump_extra=freq=keyframe', '-threads', '1'],
      ...['-f', 'rtp', '-payload_type', String(payloadType), '-ssrc', String(ssrc)],
      `rtp://127.0.0.1:${port}?pkt_size=1200`,
    ];
    // Tied to the node: a SIGKILLed node must not leave an encoder running (and holding a CPU) forever.
    const child = spawnTiedToThisProcess(this.options.ffmpegPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    this.process = child;
    running.add(child);
    const started = Date.now();
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (text: string) => this.logger.warn('test pattern ffmpeg', { message: text.trim() }));
    // A spawn failure (ffmpeg missing: ENOENT) emits `error` and no `exit`, and leaves no pid; either ends this
    // encoder, once. An `error` of a running child (a failed kill) is followed by `exit` if it really died.
    let ended = false;
    const onEnded = (why: Record<string, unknown>) => {
      if (ended) return;
      ended = true;
      running.delete(child);
      if (this.process === child) this.process = null;
      if (this.stopped) return;
      if (Date.now() - started > 10_000) this.restartDelayMs = 500;
      this.logger.warn('test pattern ffmpeg ended; restarting', { ...why, inMs: this.restartDelayMs });
      this.restartTimer = setTimeout(() => this.spawn(), this.restartDelayMs);
      this.restartTimer.unref();
      this.restartDelayMs = Math.min(this.restartDelayMs * 2, 10_000);
    };
    child.on('error', (error) => {
      this.logger.error('test pattern ffmpeg failed', { error: error.message });
      if (child.pid === undefined) onEnded({ error: error.message });
    });
    child.on('exit', (code, signal) => onEnded({ code, signal }));
  }
}
