import type postgres from 'postgres';
import { ALERTS_CHANNEL, type AlertNotification } from '../../db/alerts/channel';
import type { Logger } from '../logger';
import type { Cache } from './cache';
import { ALL_RESIDENT_PROFILES, residentProfileKey } from './keys';

const RETRY_MS = { first: 500, max: 15_000 };

/**
 * Keeps cached resident profiles true to their open alerts: every alert change (raised, joined, escalated,
 * acknowledged, resolved — by ingest, the silence rules or a realtime node) sends a NOTIFY on commit, and this
 * drops the profile of that resident. Notifications sent while nothing listened are lost, so every (re)connect —
 * postgres.js re-runs the on-listen callback after reconnecting — invalidates every cached profile. It never fails
 * on the database: a first LISTEN that fails is retried in the background until it succeeds.
 * An invalidation that cannot reach a shared cache is not lost: the cache it is given is the generation-guarded one
 * (`outageSafe`), which then bumps the organisation's cache generation in PostgreSQL (every organisation's, for the
 * catch-up), so no process serves the old profile once the cache is back.
 * Run it in each long-lived process that holds a cache: the Node functions server, and the realtime node when the
 * cache is shared (Upstash) — on Workers nothing else listens.
 */
export function watchAlertChanges(sql: postgres.Sql, cache: Cache, logger: Logger): AlertChangeWatch {
  let stopped = false;
  let markReady!: () => void;
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });
  let unlisten: (() => Promise<void>) | undefined;
  let retry: NodeJS.Timeout | undefined;
  const onNotification = (payload: string) => {
    const notification = parseNotification(payload);
    if (!notification) {
      logger.warn('unreadable alert notification', { payload: payload.slice(0, 200) });
      return;
    }
    void cache.invalidate(residentProfileKey(notification.orgId, notification.residentId));
  };
  const onListening = () => {
    void cache.invalidateMatching(ALL_RESIDENT_PROFILES).then((count) => {
      if (count) logger.info('cached profiles invalidated on (re)connecting to alert changes', { count });
      markReady();
    });
  };
  const start = (delayMs: number) => {
    sql
      .listen(ALERTS_CHANNEL, onNotification, onListening)
      .then(async (listening) => {
        if (stopped) await listening.unlisten();
        else unlisten = listening.unlisten;
      })
      .catch((error: Error) => {
        markReady();
        if (stopped) return;
        logger.warn('cannot listen for alert changes yet; cached profiles may lag until it can', {
          error: error.message,
          retryInMs: delayMs,
        });
        retry = setTimeout(() => start(Math.min(delayMs * 2, RETRY_MS.max)), delayMs);
        retry.unref();
      });
  };
  start(RETRY_MS.first);
  return {
    ready,
    stop: async () => {
      stopped = true;
      clearTimeout(retry);
      markReady();
      await unlisten?.();
    },
  };
}

export interface AlertChangeWatch {
  /**
   * Settles after the first attempt: listening with the catch-up invalidation done, or failed (it then retries in
   * the background). Never rejects. Awaiting it means a reachable database is being watched before requests come.
   */
  ready: Promise<void>;
  stop(): Promise<void>;
}

function parseNotification(payload: string): AlertNotification | undefined {
  try {
    const value = JSON.parse(payload) as Partial<AlertNotification>;
    return typeof value.orgId === 'string' && typeof value.residentId === 'string'
      ? (value as AlertNotification)
      : undefined;
  } catch {
    return undefined;
  }
}
