import { randomInt } from 'node:crypto';
import type { Logger } from '../../core/logger';
import type { CameraSource } from '../../db/schema';
import { CameraFeed } from './camera-feed';
import type { CameraConfig } from './env';
import { RtpIngest } from './rtp-ingest';
import { TestPatternSource } from './test-pattern';

interface FeedHandle {
  feed: Promise<CameraFeed>;
  /** The feed itself (the promise settles once its socket is bound): what a viewer's `release` names. */
  cameraFeed: CameraFeed;
  /** The source it was opened for: a camera whose source changed in the database gets a new feed. */
  sourceKey: string;
  /** Kept open with no viewer, so the GOP cache is warm for the first one (RTP cameras). */
  warm: boolean;
  openedAt: number;
  users: number;
  linger: NodeJS.Timeout | null;
  /** Stops the source and frees its socket. */
  close: () => void;
  testPattern: TestPatternSource | null;
}

/**
 * One live feed per camera, shared by all its viewers. RTP cameras stay subscribed once opened (a socket costs
 * nothing and keeps the GOP cache warm); a test-pattern encoder stops a while after its last viewer. `reconcile`
 * follows the database: a camera deleted, disabled, without consent or with a changed source loses its feed (its
 * viewers get `ended`), and a new RTP camera is opened, without restarting the node.
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
    const handle = this.handleFor(cameraId, source);
    handle.users++;
    if (handle.linger) {
      clearTimeout(handle.linger);
      handle.linger = null;
    }
    return handle.feed;
  }

  /** Opens a camera's feed with no viewer and keeps it open (see `warm`). */
  warm(cameraId: string, source: CameraSource): Promise<CameraFeed> {
    const handle = this.handleFor(cameraId, source);
    handle.warm = true;
    return handle.feed;
  }

  /**
   * Makes the open feeds match `current` (every camera that has a feed, with its source): the others are closed,
   * and RTP cameras without a feed are warmed, as is every camera keeping event media (its pre-alarm ring and
   * snapshot need video before the alert, a test pattern included). Resolves with how many feeds were opened.
   */
  async reconcile(
    current: { id: string; source: CameraSource; eventMedia?: boolean }[],
    readAt: number,
  ): Promise<number> {
    for (const [cameraId, handle] of this.unwanted(current, readAt)) {
      this.retire(cameraId, handle, 'camera removed or reconfigured');
    }
    let opened = 0;
    for (const camera of current) {
      const keepWarm = camera.source.type === 'rtp' || camera.eventMedia === true;
      const handle = this.handles.get(camera.id);
      if (!keepWarm && handle?.warm && handle.testPattern) {
        // Event-media consent withdrawn: its encoder runs only for viewers again, lingering after the last.
        handle.warm = false;
        if (handle.users === 0) this.lingerThenClose(camera.id, handle);
      }
      if (!keepWarm || handle?.warm) continue;
      try {
        await this.warm(camera.id, camera.source);
        opened++;
      } catch (error) {
        this.logger.warn('camera feed could not be opened', { cameraId: camera.id, error: (error as Error).message });
      }
    }
    return opened;
  }

  /** Whether `reconcile(current, readAt)` would close a feed someone is watching. */
  closesWatchedFeeds(current: { id: string; source: CameraSource }[], readAt: number): boolean {
    return this.unwanted(current, readAt).some(([, handle]) => handle.users > 0);
  }

  private unwanted(current: { id: string; source: CameraSource }[], readAt: number): [string, FeedHandle][] {
    const wanted = new Map(current.map((camera) => [camera.id, sourceKey(camera.source)]));
    // A feed opened after `current` was read may be for a camera created since: the next pass judges it.
    return [...this.handles].filter(
      ([cameraId, handle]) => handle.openedAt < readAt && wanted.get(cameraId) !== handle.sourceKey,
    );
  }

  private handleFor(cameraId: string, source: CameraSource): FeedHandle {
    const key = sourceKey(source);
    let handle = this.handles.get(cameraId);
    if (handle && handle.sourceKey !== key) {
      this.retire(cameraId, handle, 'camera source changed');
      handle = undefined;
    }
    if (!handle) {
      handle = this.open(cameraId, source);
      this.handles.set(cameraId, handle);
      const opened = handle;
      opened.feed.catch(() => {
        if (this.handles.get(cameraId) === opened) this.handles.delete(cameraId);
      });
    }
    return handle;
  }

  private retire(cameraId: string, handle: FeedHandle, reason: string): void {
    if (this.handles.get(cameraId) === handle) this.handles.delete(cameraId);
    if (handle.linger) clearTimeout(handle.linger);
    this.logger.info('camera feed closed', { cameraId, reason, viewers: handle.users });
    handle.close();
  }

  /** A viewer of `feed` left. A feed replaced meanwhile (its camera was reconfigured) is already closed. */
  release(cameraId: string, feed: CameraFeed): void {
    const handle = this.handles.get(cameraId);
    if (!handle || handle.cameraFeed !== feed) return;
    handle.users = Math.max(0, handle.users - 1);
    if (handle.users > 0 || handle.warm || !handle.testPattern) return;
    this.lingerThenClose(cameraId, handle);
  }

  private lingerThenClose(cameraId: string, handle: FeedHandle): void {
    if (handle.linger) clearTimeout(handle.linger);
    handle.linger = setTimeout(() => {
      if (handle.users > 0 || handle.warm || this.handles.get(cameraId) !== handle) return;
      this.handles.delete(cameraId);
      handle.close();
    }, this.config.CAMERA_TEST_PATTERN_LINGER_MS);
    handle.linger.unref();
  }

  /** The test-pattern encoder of a camera, when it has one running (tests simulate outages with it). */
  testPattern(cameraId: string): TestPatternSource | null {
    return this.handles.get(cameraId)?.testPattern ?? null;
  }

  /**
   * Packet counters, state and viewer count of a camera's feed, when it is open, and whether it holds a whole
   * keyframe (what a snapshot needs; a feed is live from its first packet) — diagnostics and tests.
   */
  async feedStats(cameraId: string) {
    const handle = this.handles.get(cameraId);
    if (!handle) return null;
    const feed = await handle.feed;
    return {
      ...feed.stats,
      state: feed.currentState,
      viewers: feed.viewerCount,
      keyframeCached: handle.cameraFeed.cachedGop !== null,
    };
  }

  /** The open feed of a camera, without becoming one of its users (event media taps it); null when not open. */
  openFeed(cameraId: string): CameraFeed | null {
    return this.handles.get(cameraId)?.cameraFeed ?? null;
  }

  /** The cameras with a feed open here. */
  cameraIds(): string[] {
    return [...this.handles.keys()];
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
    const identity = { sourceKey: sourceKey(source), warm: false, openedAt: performance.now() };
    if (source.type === 'rtp') {
      const feed = new CameraFeed(cameraId, timing, source.payloadType);
      // A camera pinned to its addresses ignores packets from anywhere else (a spoofed stream on its port).
      const allowed = source.allowFrom?.length ? new Set(source.allowFrom) : null;
      const handle: FeedHandle = {
        ...identity,
        cameraFeed: feed,
        users: 0,
        linger: null,
        testPattern: null,
        feed: this.ingest
          .subscribe(source.port, source.ssrc, (packet, from) => {
            if (allowed && !allowed.has(from)) feed.stats.packetsRefused++;
            else feed.ingest(packet);
          })
          .then(() => feed),
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
      ...identity,
      cameraFeed: feed,
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

/** The parts of a source that decide what the feed listens to; key order never matters. */
function sourceKey(source: CameraSource): string {
  return JSON.stringify(Object.entries(source).sort(([a], [b]) => a.localeCompare(b)));
}
