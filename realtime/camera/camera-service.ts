import type { Logger } from '../../core/logger';
import type { MediaStore } from '../../core/media/media-store';
import type { AlertNotification } from '../../db/alerts/channel';
import type { Sql } from '../../db/client';
import { AccessRecheck } from './access-recheck';
import type { CameraConfig } from './env';
import { EventMedia } from './event-media';
import { type FeedOwner, FeedOwnership } from './feed-ownership';
import { reconcileFeeds } from './feed-reconcile';
import { FeedRegistry } from './feed-registry';
import { CameraIce } from './ice';
import { FfmpegRunner, removeStaleClipFolders } from './media-encode';
import { ViewAccess } from './view-access';
import { ViewAudit } from './view-audit';
import { ViewSessions } from './view-sessions';
import { openPeerCount } from './viewer-peer';
import { WebSocketSignalling } from './websocket-signalling';
import { WhepSessions } from './whep-sessions';

export interface MediaHealth {
  status: 'ok' | 'degraded' | 'off';
  store?: string;
  error?: string;
}

/** Health checks come every few seconds; the store is probed (a small write) at most this often, in the background. */
const MEDIA_PROBE_EVERY_MS = 10_000;
/** A probe slower than this counts as a store not answering. */
const MEDIA_PROBE_TIMEOUT_MS = 5_000;
/** The very first health check waits this long for the first probe, then says degraded. */
const MEDIA_PROBE_WAIT_MS = 500;

export interface CameraServiceStats {
  sessions: number;
  peers: number;
  feeds: number;
}

/**
 * The camera service, wired: one server-side WebRTC peer per viewer, offered over the dashboard WebSocket
 * (`signalling`) or answered over WHEP (`whep`), on feeds shared per camera; access checked at the start of a view
 * and again for running views every CAMERA_ACCESS_RECHECK_MS (`accessRecheck`, run with `reconcileFeeds` by the
 * realtime node's jobs, `realtime/jobs.ts`), each view audited.
 */
export class CameraService {
  /** Implements `CameraSignalling` for the dashboard WebSocket connection. */
  readonly signalling: WebSocketSignalling;
  /** The WHEP sessions `registerWhepRoutes` serves. */
  readonly whep: WhepSessions;
  readonly accessRecheck: AccessRecheck;
  private readonly sessions: ViewSessions;
  private readonly feeds: FeedRegistry;
  private readonly audit: ViewAudit;
  private readonly ownership: FeedOwnership;
  /** Snapshots and clips for alerts, from the feeds owned here; absent without a media store. */
  readonly eventMedia: EventMedia | null;
  /** Where event media is stored; null: no event media on this node. */
  readonly mediaStore: MediaStore | null;
  private mediaProbe: { at: number; health: MediaHealth } | null = null;
  private probing: Promise<void> | null = null;
  private storeProbe: Promise<void> | null = null;

  /**
   * `nodeId`: this node's id among several sharing the database; its feeds are then only those it holds the lease
   * of (`FeedOwnership`), from `listening` on. Without it every camera is this service's (one process alone).
   * `mediaStore`: where event media goes; without one no ring is kept and no alert captures media.
   */
  constructor(
    private readonly sql: Sql,
    config: CameraConfig,
    logger: Logger,
    nodeId: string | null = null,
    mediaStore: MediaStore | null = null,
  ) {
    this.ownership = new FeedOwnership(sql, nodeId, config.CAMERA_FEED_LEASE_MS);
    this.feeds = new FeedRegistry(config, logger);
    this.mediaStore = mediaStore;
    const feeds = this.feeds;
    this.eventMedia = mediaStore
      ? new EventMedia({
          sql,
          store: mediaStore,
          runner: new FfmpegRunner(config.FFMPEG_PATH, config.CAMERA_MEDIA_FFMPEG_SLOTS),
          logger,
          nodeId: nodeId ?? 'local',
          feedOf: (cameraId) => feeds.openFeed(cameraId),
          clipSeconds: config.CAMERA_CLIP_SECONDS,
          maxBytesPerCamera: config.CAMERA_CLIP_MAX_MB * 1024 * 1024,
          maxBytesPerNode: config.CAMERA_CLIP_NODE_MAX_MB * 1024 * 1024,
        })
      : null;
    if (mediaStore) {
      void removeStaleClipFolders().catch((error: Error) => {
        logger.warn('stale clip folders not removed', { error: error.message });
      });
    }
    this.audit = new ViewAudit(sql, (error) => logger.error('camera audit write failed', { error: error.message }));
    const sessions = new ViewSessions({
      connectTimeoutMs: config.CAMERA_CONNECT_TIMEOUT_MS,
      feeds: this.feeds,
      audit: this.audit,
      logger,
    });
    const access = new ViewAccess(sql, this.audit);
    const ice = new CameraIce(config);
    this.sessions = sessions;
    this.signalling = new WebSocketSignalling({ sessions, access, ice, logger });
    this.whep = new WhepSessions({ sessions, access, ice, sessionsPerStaff: config.CAMERA_WHEP_SESSIONS_PER_STAFF });
    this.accessRecheck = new AccessRecheck(sessions, sql, logger);
  }

  /** Ends every running view whose access ended; resolves with how many (see AccessRecheck). */
  recheckAccess(): Promise<number> {
    return this.accessRecheck.recheck();
  }

  /** Opens and closes feeds to match the cameras table; resolves with how many were opened. */
  reconcileFeeds(): Promise<number> {
    // Not `recheckAccess()`: a recheck already under way may have read the cameras before this pass did.
    return reconcileFeeds(
      this.ownership,
      this.feeds,
      async () => this.accessRecheck.endViews(await this.accessRecheck.findRevoked(this.sql, new Date())),
      (cameras) => this.eventMedia?.follow(cameras),
    );
  }

  /** An alert changed (the alerts channel): event media captures for it when it should. */
  alertChanged(notification: AlertNotification): void {
    this.eventMedia?.onAlertChange(notification);
  }

  /**
   * Whether event media can be stored now: `degraded` when the store refuses a write (full, unwritable,
   * unreachable) or the last capture failed on it; the alert path is unaffected either way.
   */
  mediaHealth(): Promise<MediaHealth> {
    const stale = !this.mediaProbe || Date.now() - this.mediaProbe.at > MEDIA_PROBE_EVERY_MS;
    if (stale && !this.probing) {
      this.probing = this.probeMedia()
        .then((health) => {
          this.mediaProbe = { at: Date.now(), health };
        })
        .finally(() => {
          this.probing = null;
        });
    }
    // Health never waits on the store (a hung volume or bucket must not make the node look down): the last probe's
    // answer, or, before any, the first one if it comes within MEDIA_PROBE_WAIT_MS.
    if (this.mediaProbe) return Promise.resolve(this.withStoreFailure(this.mediaProbe.health));
    const waited = new Promise<MediaHealth>((resolve) =>
      setTimeout(
        () => resolve({ status: 'degraded', store: this.mediaStore?.description, error: 'store not answering' }),
        MEDIA_PROBE_WAIT_MS,
      ).unref(),
    );
    return Promise.race([this.probing?.then(() => this.mediaHealth()) ?? waited, waited]);
  }

  /** A capture's write refused since the last probe counts, until a capture is stored again. */
  private withStoreFailure(health: MediaHealth): MediaHealth {
    const failure = this.eventMedia?.lastStoreFailure;
    if (health.status !== 'ok' || !failure) return health;
    return { status: 'degraded', store: health.store, error: 'the last capture could not be stored' };
  }

  private async probeMedia(): Promise<MediaHealth> {
    if (!this.mediaStore) return { status: 'off' };
    const store = this.mediaStore.description;
    // A probe still hanging (a hung volume) is not joined by another: each would hold one of libuv's few threads.
    if (this.storeProbe) return { status: 'degraded', store, error: 'store not answering' };
    const probe = this.mediaStore.probe().finally(() => {
      this.storeProbe = null;
    });
    this.storeProbe = probe;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('store not answering')), MEDIA_PROBE_TIMEOUT_MS);
    });
    try {
      await Promise.race([probe, timeout]);
      return { status: 'ok', store };
    } catch (error) {
      return { status: 'degraded', store, error: (error as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }

  /** The node listens at `nodeUrl` (reachable by the other nodes): it takes leases from now on. */
  listening(nodeUrl: string): void {
    this.ownership.listening(nodeUrl);
  }

  /** Who serves viewers of `cameraId`: this node (taking the lease when it is free) or the owner's URL. */
  ownerOf(cameraId: string): Promise<FeedOwner> {
    return this.ownership.ownerOf(cameraId);
  }

  /** The cameras whose feeds are open here. */
  openFeeds(): string[] {
    return this.feeds.cameraIds();
  }

  stats(): CameraServiceStats {
    return { sessions: this.sessions.size, peers: openPeerCount(), feeds: this.feeds.size };
  }

  /** Packet counters and state of a camera's feed, when open. */
  feedStats(cameraId: string) {
    return this.feeds.feedStats(cameraId);
  }

  /** Test hook: the running test-pattern encoder of a camera. */
  testPatternOf(cameraId: string) {
    return this.feeds.testPattern(cameraId);
  }

  /** Resolves when every audit row so far is written. */
  flushAudit(): Promise<void> {
    return this.audit.flush();
  }

  /**
   * Closes every session and feed (the node is stopping), then gives up its leases: the feeds' ports are free, so
   * another node can open them at once.
   */
  async shutdown(): Promise<void> {
    for (const session of this.sessions.all()) this.sessions.close(session, 'server stopping');
    await this.eventMedia?.stop();
    this.feeds.close();
    // A lease not released (database gone) only runs out: the others take over after CAMERA_FEED_LEASE_MS instead.
    await this.ownership.release().catch(() => {});
    await this.audit.flush();
  }
}
