import { callbackReceiptsPruneJob } from '../core/jobs/callback-receipts';
import { escalationJob } from '../core/jobs/escalation';
import { goneSubscriptionsPurgeJob } from '../core/jobs/gone-subscriptions';
import { type Job, type ScheduledJob, schedule } from '../core/jobs/job';
import { type RunningJobs, startJobs } from '../core/jobs/run-jobs';
import { staffRecheckJob } from '../core/jobs/staff-recheck';
import type { Logger } from '../core/logger';
import type { MediaStore } from '../core/media/media-store';
import { abandonStaleCaptures, expireMedia, type PurgeOutcome, purgeQueuedMedia } from '../core/media/retention';
import type { EscalationOutcome } from '../db/alerts/escalate';
import type { Sql } from '../db/client';
import type { AccessRecheck, CameraService, EventMedia, RevokedView } from './camera';
import type { Client } from './client';
import type { ConnectionRegistry } from './connection-registry';
import { closeDashboardsOf, connectedStaff } from './connection-upkeep';
import type { Dispatcher } from './dispatcher';
import type { RealtimeConfig } from './env';
import type { Metrics } from './metrics';

/**
 * The safety-net sweep: the job asks the dispatcher's loop for it, so its frames keep the order of everything else
 * sent; that loop runs it and reports its failures.
 */
export function deliverySweepJob(dispatcher: Pick<Dispatcher, 'sweep'>): Job<void> {
  return {
    name: 'delivery-sweep',
    exclusivity: 'skip-locked',
    description:
      'sends outstanding deliveries of staff connected here (lost wake-ups, re-sends, a restarted node); ' +
      'fails deliveries out of sends',
    run: async () => dispatcher.sweep(),
  };
}

/** The running views of this process whose camera access ended; the runtime ends them (`AccessRecheck.endViews`). */
export function cameraAccessRecheckJob(recheck: Pick<AccessRecheck, 'findRevoked'>): Job<RevokedView[]> {
  return {
    name: 'camera-access-recheck',
    exclusivity: 'per-process',
    description: 'ends camera views whose access ended (token expired, alert resolved, consent withdrawn, …)',
    run: (sql, now) => recheck.findRevoked(sql, now),
  };
}

/** The camera feeds this node keeps warm follow the cameras table (enabled, with consent). */
export function cameraFeedsJob(cameras: Pick<CameraService, 'reconcileFeeds'>): Job<number> {
  return {
    name: 'camera-feeds-reconcile',
    exclusivity: 'per-process',
    description: 'starts and stops camera feeds to match the enabled, consented cameras',
    run: () => cameras.reconcileFeeds(),
  };
}

/** Alerts a lost wake-up left without their snapshot and clip get them (while the GOP and ring still hold them). */
export function eventMediaSweepJob(eventMedia: Pick<EventMedia, 'sweep'>): Job<number> {
  return {
    name: 'event-media-sweep',
    exclusivity: 'per-process',
    description: 'captures event media for recent alerts of cameras owned here that have none',
    run: () => eventMedia.sweep(),
  };
}

/** Stored media past its organisation's retention goes, and captures a dead node left `capturing` are failed. */
export function mediaRetentionJob(): Job<{ expired: number; abandoned: number }> {
  return {
    name: 'media-retention',
    exclusivity: 'advisory-lock',
    description:
      'deletes event media older than the organisation’s mediaRetentionDays (30); fails captures left capturing for ' +
      '10 min; their bytes go to the purge queue',
    run: async (sql, now) => ({
      expired: await expireMedia(sql, now),
      abandoned: await abandonStaleCaptures(sql, now),
    }),
  };
}

/** Bytes of removed media rows are deleted from the store; a store that refuses keeps them queued for the next run. */
export function mediaPurgeJob(store: MediaStore): Job<PurgeOutcome> {
  return {
    name: 'media-purge',
    exclusivity: 'advisory-lock',
    description: 'deletes from the media store the bytes of removed media rows (retention, discharge, erase, consent)',
    run: (sql) => purgeQueuedMedia(sql, store),
  };
}

const MEDIA_RETENTION_EVERY_MS = 60_000;
const MEDIA_PURGE_EVERY_MS = 10_000;

/** The camera service's jobs, every CAMERA_ACCESS_RECHECK_MS; shared with the camera test harness. */
export function cameraJobs(camera: CameraService, everyMs: number): ScheduledJob[] {
  const recheck = camera.accessRecheck;
  return [
    schedule(cameraAccessRecheckJob(recheck), everyMs, (revoked) => void recheck.endViews(revoked)),
    schedule(cameraFeedsJob(camera), everyMs),
    ...(camera.eventMedia ? [schedule(eventMediaSweepJob(camera.eventMedia), everyMs)] : []),
    ...(camera.mediaStore
      ? [
          schedule(mediaRetentionJob(), MEDIA_RETENTION_EVERY_MS),
          schedule(mediaPurgeJob(camera.mediaStore), MEDIA_PURGE_EVERY_MS),
        ]
      : []),
  ];
}

export interface RealtimeJobsContext {
  sql: Sql;
  logger: Logger;
  config: RealtimeConfig;
  nodeId: string;
  registry: ConnectionRegistry<Client>;
  metrics: Metrics;
  dispatcher: Pick<Dispatcher, 'sweep'>;
  /** The node's camera service and its recheck interval (CAMERA_ACCESS_RECHECK_MS), when it runs one. */
  camera?: { service: CameraService; recheckMs: number };
}

const GONE_SUBSCRIPTIONS_PURGE_EVERY_MS = 60 * 60 * 1000;

/** The realtime node's time-driven work, declared once: each job and how often it runs. */
export function realtimeJobs(context: RealtimeJobsContext): ScheduledJob[] {
  const { config, registry, logger, metrics } = context;
  return [
    schedule(escalationJob(context.nodeId), config.REALTIME_ESCALATION_MS, (outcomes) =>
      logEscalations(outcomes, metrics, logger),
    ),
    schedule(deliverySweepJob(context.dispatcher), config.REALTIME_SWEEP_MS),
    schedule(
      staffRecheckJob(() => connectedStaff(registry)),
      config.REALTIME_STAFF_RECHECK_SECONDS * 1000,
      (gone) => void closeDashboardsOf(registry, gone, logger),
    ),
    schedule(callbackReceiptsPruneJob, 60_000),
    schedule(goneSubscriptionsPurgeJob(config.PUSH_GONE_RETENTION_DAYS), GONE_SUBSCRIPTIONS_PURGE_EVERY_MS),
    ...(context.camera ? cameraJobs(context.camera.service, context.camera.recheckMs) : []),
  ];
}

export function startRealtimeJobs(context: RealtimeJobsContext): RunningJobs {
  return startJobs(context.sql, realtimeJobs(context), context.logger);
}

function logEscalations(outcomes: EscalationOutcome[], metrics: Metrics, logger: Logger): void {
  for (const outcome of outcomes) {
    if (outcome.retriggered) {
      logger.info('acknowledgement timed out; alert re-triggered', { ...outcome });
      continue;
    }
    if (outcome.level === null) continue;
    metrics.escalations++;
    logger.info('alert escalated', {
      alertId: outcome.alertId,
      escalationLevel: outcome.level,
      deliveries: outcome.deliveries,
    });
  }
}
