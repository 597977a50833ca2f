import type { Logger } from '../../core/logger';
import type { MediaStore } from '../../core/media/media-store';
import type { AlertNotification } from '../../db/alerts/channel';
import type { Sql } from '../../db/client';
import { mediaContentTypes } from '../../db/media-keys';
import type { FeedCamera } from '../../db/queries/camera-feed-leases';
import {
  type AlertForMedia,
  alertForMedia,
  alertsMissingCaptures,
  type ClaimedCapture,
  claimCaptures,
  queueMediaPurge,
  recordCaptureFailed,
  recordCaptureStored,
  wantsEventMedia,
} from '../../db/queries/media-captures';
import type { AlertMediaKind } from '../../db/schema/alert-media';
import type { CameraFeed } from './camera-feed';
import { ClipRing, ownCopy, type PacketTap, startsKeyframe } from './clip-ring';
import { type FfmpegRunner, MediaEncodeError, remuxMp4, snapshotJpeg } from './media-encode';

export interface EventMediaOptions {
  sql: Sql;
  store: MediaStore;
  runner: FfmpegRunner;
  logger: Logger;
  nodeId: string;
  /** The open feed of a camera here (`FeedRegistry.openFeed`). */
  feedOf: (cameraId: string) => CameraFeed | null;
  /** Seconds of video kept before an alert, and recorded after it; 0 = snapshots only. */
  clipSeconds: number;
  /** Budget of one camera's ring (and of a clip's recording after the alert). */
  maxBytesPerCamera: number;
  /** Budget of all rings of this node, shared equally among them when it is the tighter bound. */
  maxBytesPerNode: number;
}

interface Followed {
  camera: FeedCamera;
  feed: CameraFeed;
  ring: ClipRing | null;
  untap: () => void;
}

/** What a capture made, and when its picture was taken. */
interface Captured {
  bytes: Buffer<ArrayBuffer>;
  capturedFrom: Date;
  capturedUntil: Date;
}

/** A capture that cannot be made, for a reason staff may read ("camera not live"). */
class CaptureRefused extends Error {
  constructor(readonly reason: string) {
    super(reason);
  }
}

/** A feed whose last packet is older than this is not live: its cached picture is not the alert's moment. */
const LIVE_WITHIN_MS = 2_000;

/** Alert changes after which an alert may newly want media: raised, raised again, or its severity rose. */
const MEDIA_CHANGES = new Set<AlertNotification['change']>([
  'created',
  'attached',
  'retriggered',
  'escalated',
  'updated',
]);
/** The sweep looks this far back for alerts a lost wake-up left without media. */
const SWEEP_WINDOW_SECONDS = 120;

/**
 * Event media on the node that owns the feeds: each feed of a camera with event-media consent keeps a pre-alarm
 * ring (`ClipRing`); an alert of a kind the organisation captures (`wantsEventMedia`) for that camera's resident
 * claims a snapshot and a clip (`claimCaptures`: one row each, so one node captures once), then the snapshot is
 * decoded from the feed's cached GOP at once and the clip is the ring plus the next `clipSeconds`, remuxed. Nothing
 * here runs on the alert path: the alert is committed and delivered before the wake-up that starts a capture, and
 * a capture that fails marks its row failed and changes nothing else.
 */
export class EventMedia {
  private readonly followed = new Map<string, Followed>();
  private readonly captures = new Set<Promise<void>>();
  private readonly recordings = new Set<() => void>();
  private stopped = false;
  /** Bytes recorded after alerts and not yet remuxed, on all cameras: bounded by `maxBytesPerNode`. */
  private recordingBytes = 0;
  /** The last write the media store refused, for health; cleared by the next stored capture. */
  lastStoreFailure: { at: Date; error: string } | null = null;

  constructor(private readonly options: EventMediaOptions) {}

  /** Follows the feeds open here after a reconcile pass: rings for cameras with event-media consent, none else. */
  follow(cameras: readonly FeedCamera[]): void {
    const wanted = new Map(cameras.filter((camera) => camera.eventMedia).map((camera) => [camera.id, camera]));
    for (const [cameraId, followed] of this.followed) {
      const feed = this.options.feedOf(cameraId);
      if (!wanted.has(cameraId) || feed !== followed.feed) {
        followed.untap();
        this.followed.delete(cameraId);
      }
    }
    for (const camera of wanted.values()) {
      const feed = this.options.feedOf(camera.id);
      const current = this.followed.get(camera.id);
      if (current) current.camera = camera;
      else if (feed) this.followed.set(camera.id, this.tap(camera, feed));
    }
    this.shareBudget();
  }

  private tap(camera: FeedCamera, feed: CameraFeed): Followed {
    if (this.options.clipSeconds === 0) return { camera, feed, ring: null, untap: () => {} };
    const ring = new ClipRing(this.options.clipSeconds * 1000, this.options.maxBytesPerCamera);
    return { camera, feed, ring, untap: feed.addTap(ring) };
  }

  /** Each ring's budget (and each recording's): the per-camera bound, or an equal share of the node's if smaller. */
  private ringShare(): number {
    const rings = [...this.followed.values()].filter((followed) => followed.ring).length;
    return Math.min(this.options.maxBytesPerCamera, Math.floor(this.options.maxBytesPerNode / Math.max(1, rings)));
  }

  private shareBudget(): void {
    const share = this.ringShare();
    for (const followed of this.followed.values()) followed.ring?.setMaxBytes(share);
  }

  /** A wake-up on the alerts channel: considered only when it names a resident with a followed camera. */
  onAlertChange(notification: AlertNotification): void {
    if (this.stopped || !MEDIA_CHANGES.has(notification.change)) return;
    if (!this.camerasOf(notification.residentId).length) return;
    this.track(this.consider(notification.alertId));
  }

  /** The safety net for lost wake-ups: recent alerts of followed residents with a camera lacking media. */
  async sweep(): Promise<number> {
    const cameras = [...this.followed.values()].map((followed) => followed.camera);
    const residentIds = [...new Set(cameras.map((camera) => camera.residentId))];
    const alertIds = await alertsMissingCaptures(
      this.options.sql,
      residentIds,
      cameras.map((camera) => camera.id),
      SWEEP_WINDOW_SECONDS,
    );
    for (const alertId of alertIds) this.track(this.consider(alertId));
    return alertIds.length;
  }

  private camerasOf(residentId: string): Followed[] {
    return [...this.followed.values()].filter((followed) => followed.camera.residentId === residentId);
  }

  private track(work: Promise<void>): void {
    const tracked = work.catch((error: Error) => {
      this.options.logger.error('event media capture failed', { error: error.message });
    });
    this.captures.add(tracked);
    void tracked.finally(() => this.captures.delete(tracked));
  }

  private async consider(alertId: string): Promise<void> {
    const alert = await alertForMedia(this.options.sql, alertId);
    if (!alert || !wantsEventMedia(alert)) return;
    const cameras = this.camerasOf(alert.residentId);
    const kinds: AlertMediaKind[] = this.options.clipSeconds > 0 ? ['snapshot', 'clip'] : ['snapshot'];
    const claimed = await claimCaptures(
      this.options.sql,
      alert,
      cameras.map((followed) => followed.camera.id),
      kinds,
      this.options.nodeId,
    );
    await Promise.all(claimed.map((capture) => this.capture(alert, capture)));
  }

  private async capture(alert: AlertForMedia, capture: ClaimedCapture): Promise<void> {
    const followed = this.followed.get(capture.cameraId);
    const { storageKey: key } = capture;
    const context = { alertId: alert.id, cameraId: capture.cameraId, kind: capture.kind };
    let media: Captured;
    try {
      if (!followed) throw new CaptureRefused('the camera feed closed before the capture');
      media = capture.kind === 'snapshot' ? await this.snapshot(followed) : await this.clip(followed);
    } catch (error) {
      const reason =
        error instanceof MediaEncodeError || error instanceof CaptureRefused ? error.reason : 'capture failed';
      this.options.logger.warn('event media capture failed', { ...context, error: (error as Error).message });
      await recordCaptureFailed(this.options.sql, capture.id, reason);
      return;
    }
    try {
      await this.options.store.put(key, media.bytes, mediaContentTypes[capture.kind]);
    } catch (error) {
      // The store's own words can name paths and buckets: logged, not shown to staff.
      this.lastStoreFailure = { at: new Date(), error: (error as Error).message };
      this.options.logger.error('event media could not be stored', { ...context, error: (error as Error).message });
      await recordCaptureFailed(this.options.sql, capture.id, 'storage refused the write');
      return;
    }
    this.lastStoreFailure = null;
    const kept = await recordCaptureStored(this.options.sql, capture.id, {
      contentType: mediaContentTypes[capture.kind],
      bytes: media.bytes.length,
      capturedFrom: media.capturedFrom,
      capturedUntil: media.capturedUntil,
    }).catch(async (error: Error) => {
      // The row keeps its key: deleting it later (retention, erase) still purges these bytes.
      this.options.logger.error('event media stored but not recorded', { ...context, error: error.message });
      await recordCaptureFailed(this.options.sql, capture.id, 'capture could not be recorded').catch(() => {});
      return true;
    });
    if (!kept) {
      // The row went meanwhile (resident erased or discharged, consent withdrawn): its bytes must not stay.
      await queueMediaPurge(this.options.sql, key).catch((error: Error) => {
        this.options.logger.error('orphaned event media not queued for purge', { ...context, error: error.message });
      });
      return;
    }
    this.options.logger.info('event media stored', { ...context, bytes: media.bytes.length });
  }

  /** The feed must be live now: a cached picture of a camera that went silent shows another time than the alert's. */
  private checkLive(feed: CameraFeed): void {
    const silentFor = Date.now() - feed.lastPacketArrivedAt;
    if (feed.currentState !== 'live' || silentFor > LIVE_WITHIN_MS) throw new CaptureRefused('camera not live');
  }

  private async snapshot(followed: Followed): Promise<Captured> {
    this.checkLive(followed.feed);
    const frames = followed.feed.cachedGop;
    if (!frames) throw new CaptureRefused('no keyframe from the camera yet');
    // The newest cached frame is about as old as the newest packet.
    const at = new Date(followed.feed.lastPacketArrivedAt);
    const bytes = await snapshotJpeg(this.options.runner, frames);
    return { bytes, capturedFrom: at, capturedUntil: at };
  }

  private async clip(followed: Followed): Promise<Captured> {
    this.checkLive(followed.feed);
    const ring = followed.ring;
    const before = ring?.packets() ?? [];
    const startedAt = new Date(ring?.oldestAt ?? Date.now());
    const recording = await this.record(followed, before.length > 0);
    try {
      const { mp4 } = await remuxMp4(this.options.runner, [...before, ...recording.packets]);
      const until = recording.lastAt ?? followed.feed.lastPacketArrivedAt;
      return { bytes: mp4, capturedFrom: startedAt, capturedUntil: new Date(until) };
    } finally {
      // The recorded bytes count against the node until the remux is done with them.
      recording.release();
    }
  }

  /**
   * The feed's next `clipSeconds` of packets (from its next keyframe when `continuing` is false: nothing before can
   * be decoded, and its parameter sets first), at most the camera's share of the budget and what the node's
   * recordings may hold together; ends at the first packet over either (a clip cut short, never one with holes),
   * when the upstream restarts, or when the node stops. Resolves with the packets; `release` frees their budget.
   */
  private record(
    followed: Followed,
    continuing: boolean,
  ): Promise<{ packets: Buffer[]; lastAt: number | null; release: () => void }> {
    return new Promise((resolve) => {
      const packets: Buffer[] = [];
      let bytes = 0;
      let lastAt: number | null = null;
      let started = continuing;
      let finished = false;
      const limit = this.ringShare();
      const release = () => {
        this.recordingBytes -= bytes;
        bytes = 0;
      };
      const finish = () => {
        if (finished) return;
        finished = true;
        clearTimeout(timer);
        untap();
        this.recordings.delete(finish);
        resolve({ packets, lastAt, release });
      };
      const tap: PacketTap = {
        packet: (packet, header, kind) => {
          if (!started) {
            if (!startsKeyframe(packet, header, kind)) return;
            started = true;
            if (kind !== 'parameter-sets') packets.push(...(followed.ring?.latestParameterSets ?? []));
          }
          if (bytes + packet.length > limit || this.recordingBytes + packet.length > this.options.maxBytesPerNode) {
            finish();
            return;
          }
          packets.push(ownCopy(packet));
          bytes += packet.length;
          this.recordingBytes += packet.length;
          lastAt = Date.now();
        },
        // A new upstream stream cannot continue the old one's picture: keep what decodes, stop there.
        reset: finish,
      };
      const untap = followed.feed.addTap(tap);
      const timer = setTimeout(finish, this.options.clipSeconds * 1000);
      this.recordings.add(finish);
      if (this.stopped) finish();
    });
  }

  /** Resolves when every capture started so far has ended (tests, shutdown). */
  async settled(): Promise<void> {
    while (this.captures.size > 0) await Promise.all([...this.captures]);
  }

  /** The node is stopping: recordings end with what they have, captures finish, rings are dropped. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const finish of [...this.recordings]) finish();
    await this.settled();
    for (const followed of this.followed.values()) followed.untap();
    this.followed.clear();
  }
}
