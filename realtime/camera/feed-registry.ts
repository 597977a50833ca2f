import { randomInt } from 'node:crypto';
import type { CameraSource } from '../../db/schema';
import type { Logger } from '../../functions/lib/logger';
import { CameraFeed } from './camera-feed';
import type { CameraConfig } from './env';
import { RtpIngest } from './rtp-ingest';
import { TestPatternSource } from './test-pattern';

interface FeedHandle {
  feed: Promise<CameraFeed>;
  users: number;
  linger: NodeJS.Timeout | null;
  /** Stops the source and frees its socket. */
  close: () => void;
  testPattern: TestPatternSource | null;
}

/**
 * One live feed per camera, shared by all its viewers. RTP cameras stay subscribed once opened (a socket costs
 * nothing and keeps the keyframe cache warm); a test-pattern encoder stops a while after its last viewer.
 */
export class FeedRegistry {
  private readonly handles = new Map<string, FeedHandle>();
  private readonly ingest: RtpIngest;

  constructor(
    private readonly config: CameraConfig,
    private readonly logger: Logger,
  ) {
    this.ingest = new RtpIngest(config.CAMERA_RTP_HOST, logger);
  }

  /** The feed of a camera, started if needed; pair with `release`. */
  acquire(cameraId: string, source: CameraSource): Promise<CameraFeed> {
    let handle = this.handles.get(cameraId);
    if (!handle) {
      handle = this.open(cameraId, source);
      this.handles.set(cameraId, handle);
      const opened = handle;
      opened.feed.catch(() => {
        if (this.handles.get(cameraId) === opened) this.handles.delete(cameraId);
      });
    }
    handle.users++;
    if (handle.linger) {
      clearTimeout(handle.linger);
      handle.linger = null;
    }
    return handle.feed;
  }

  release(cameraId: string): void {
    const handle = this.handles.get(cameraId);
    if (!handle) return;
    handle.users = Math.max(0, handle.users - 1);
    if (handle.users > 0 || !handle.testPattern) return;
    handle.linger = setTimeout(() => {
      if (handle.users > 0 || this.handles.get(cameraId) !== handle) return;
      this.handles.delete(cameraId);
      handle.close();
    }, this.config.CAMERA_TEST_PATTERN_LINGER_MS);
    handle.linger.unref();
  }

  /** The test-pattern encoder of a camera, when it has one running (tests simulate outages with it). */
  testPattern(cameraId: string): TestPatternSource | null {
    return this.handles.get(cameraId)?.testPattern ?? null;
  }

  /** Packet counters, state and viewer count of a camera's feed, when it is open (diagnostics and tests). */
  async feedStats(cameraId: string) {
    const handle = this.handles.get(cameraId);
    if (!handle) return null;
    const feed = await handle.feed;
    return { ...feed.stats, state: feed.currentState, viewers: feed.viewerCount };
  }

  get size(): number {
    return this.handles.size;
  }

  close(): void {
    for (const handle of this.handles.values()) {
      if (handle.linger) clearTimeout(handle.linger);
      handle.close();
    }
    this.handles.clear();
    this.ingest.close();
  }

  private open(cameraId: string, source: CameraSource): FeedHandle {
    const timing = { stallMs: this.config.CAMERA_STALL_MS, offlineMs: this.config.CAMERA_OFFLINE_MS };
    if (source.type === 'rtp') {
      const feed = new CameraFeed(cameraId, timing, source.payloadType);
      const handle: FeedHandle = {
        users: 0,
        linger: null,
        testPattern: null,
        feed: this.ingest.subscribe(source.port, source.ssrc, (packet) => feed.ingest(packet)).then(() => feed),
        close: () => {
          feed.close();
          this.ingest.unsubscribe(source.port, source.ssrc);
        },
      };
      handle.feed.catch(() => feed.close());
      return handle;
    }
    const payloadType = 96;
    const ssrc = randomInt(1, 0x7fffffff); // ffmpeg takes a signed 32-bit SSRC
    const feed = new CameraFeed(cameraId, timing, payloadType);
    let port = 0;
    const handle: FeedHandle = {
      users: 0,
      linger: null,
      testPattern: null,
      feed: Promise.resolve(feed),
      close: () => {
        handle.testPattern?.stop();
        feed.close();
        if (port) this.ingest.unsubscribe(port, ssrc);
      },
    };
    handle.feed = this.ingest
      .subscribe(0, ssrc, (packet) => feed.ingest(packet))
      .then((bound) => {
        port = bound;
        const testPattern = new TestPatternSource(
          {
            width: source.width ?? 640,
            height: source.height ?? 480,
            fps: source.fps ?? 30,
            gopSeconds: source.gopSeconds ?? 2,
            port,
            ssrc,
            payloadType,
            ffmpegPath: this.config.FFMPEG_PATH,
          },
          this.logger,
        );
        handle.testPattern = testPattern;
        testPattern.start();
        return feed;
      });
    handle.feed.catch(() => feed.close());
    return handle;
  }
}
