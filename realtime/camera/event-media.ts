import type { Logger } from '../../core/logger';
import { mediaContentTypes, mediaStorageKey } from '../../core/media/media-keys';
import type { MediaStore } from '../../core/media/media-store';
import type { AlertNotification } from '../../db/alerts/channel';
import type { Sql } from '../../db/client';
import type { FeedCamera } from '../../db/queries/camera-feed-leases';
import {
  type AlertForMedia,
  alertForMedia,
  alertsMissingCaptures,
  type ClaimedCapture,
  claimCaptures,
  recordCaptureFailed,
  recordCaptureStored,
  wantsEventMedia,
} from '../../db/queries/media-captures';
import type { AlertMediaKind } from '../../db/schema/alert-media';
import type { CameraFeed } from './camera-feed';
import { ClipRing, type PacketTap } from './clip-ring';
import { type FfmpegRunner, remuxMp4, snapshotJpeg } from './media-encode';

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
  /** The last store or encoder failure, for health; cleared by the next success. */
  lastFailure: { at: Date; error: string } | null = null;

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

  private shareBudget(): void {
    const rings = [...this.followed.values()].filter((followed) => followed.ring);
    const share = Math.min(
      this.options.maxBytesPerCamera,
      Math.floor(this.options.maxBytesPerNode / Math.max(1, rings.length)),
    );
    for (const followed of rings) followed.ring?.setMaxBytes(share);
  }

  /** Bytes the rings hold now (metrics, tests). */
  get ringBytes(): number {
    let bytes = 0;
    for (const followed of this.followed.values()) bytes += followed.ring?.size ?? 0;
    return bytes;
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
    const key = mediaStorageKey(capture);
    try {
      if (!followed) throw new Error('the camera feed closed before the capture');
      const { bytes, capturedFrom, capturedUntil } =
        capture.kind === 'snapshot' ? await this.snapshot(followed) : await this.clip(followed);
      await this.options.store.put(key, bytes, mediaContentTypes[capture.kind]);
      const kept = await recordCaptureStored(this.options.sql, capture.id, {
        storageKey: key,
        contentType: mediaContentTypes[capture.kind],
        bytes: bytes.length,
        capturedFrom,
        capturedUntil,
      });
      // The row went meanwhile (resident erased or discharged, consent withdrawn): its bytes must not stay.
      if (!kept) await this.options.store.delete(key);
      this.lastFailure = null;
      this.options.logger.info('event media stored', {
        alertId: alert.id,
        cameraId: capture.cameraId,
        kind: capture.kind,
        bytes: bytes.length,
      });
    } catch (error) {
      const message = (error as Error).message;
      this.lastFailure = { at: new Date(), error: message };
      this.options.logger.warn('event media capture failed', {
        alertId: alert.id,
        cameraId: capture.cameraId,
        kind: capture.kind,
        error: message,
      });
      await recordCaptureFailed(this.options.sql, capture.id, message);
    }
  }

  private async snapshot(followed: Followed) {
    const frames = followed.feed.cachedGop;
    if (!frames) throw new Error('no keyframe from the camera yet');
    const at = new Date();
    return { bytes: await snapshotJpeg(this.options.runner, frames), capturedFrom: at, capturedUntil: at };
  }

  private async clip(followed: Followed) {
    const before = followed.ring?.packets() ?? [];
    const startedAt = new Date(followed.ring?.oldestAt ?? Date.now());
    const after = await this.record(followed.feed, before.length > 0);
    const { mp4 } = await remuxMp4(this.options.runner, [...before, ...after]);
    return { bytes: mp4, capturedFrom: startedAt, capturedUntil: new Date() };
  }

  /**
   * The feed's next `clipSeconds` of packets (from its next keyframe when `continuing` is false: nothing before
   * can be decoded), at most the camera budget; ends early when the node stops.
   */
  private record(feed: CameraFeed, continuing: boolean): Promise<Buffer[]> {
    return new Promise((resolve) => {
      const packets: Buffer[] = [];
      let bytes = 0;
      let started = continuing;
      let untap = () => {};
      const finish = () => {
        clearTimeout(timer);
        untap();
        this.recordings.delete(finish);
        resolve(packets);
      };
      const tap: PacketTap = {
        packet: (packet, _header, kind) => {
          started ||= kind === 'parameter-sets' || kind === 'idr';
          if (!started || bytes + packet.length > this.options.maxBytesPerCamera) return;
          packets.push(Buffer.from(packet));
          bytes += packet.length;
        },
        // A new upstream stream cannot continue the old one's picture: keep what decodes, stop there.
        reset: () => finish(),
      };
      untap = feed.addTap(tap);
      const timer = setTimeout(finish, this.options.clipSeconds * 1000);
      this.recordings.add(finish);
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
