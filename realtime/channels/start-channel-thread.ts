import { Worker } from 'node:worker_threads';
import type { Logger } from '../../core/logger';
import type { RealtimeConfig } from '../env';
import type { Metrics } from '../metrics';
import { channelSettings } from './settings';
import { type FromChannelThread, observeSpans, type ToChannelThread } from './thread-messages';

const RESTART_MIN_MS = 1_000;
const RESTART_MAX_MS = 30_000;
/** A thread that ran this long before it ended is restarted after the shortest wait again. */
const HEALTHY_RUN_MS = 60_000;

export interface ChannelThread {
  stop(): Promise<void>;
}

/**
 * Runs the channel sender (push, webhook) on a worker thread of this node: its requests, encryption and claims share
 * no event loop with dashboard frames, and it has its own database pool. Starting waits until the thread listens
 * (a thread that cannot start fails the node's start, like the node's own pool). A thread that dies later is
 * restarted with backoff; meanwhile its attempts stay queued or leased in the database and are sent once it is back
 * (or by another node), so a crash delays channel messages and loses none.
 * `threadUrl`: the thread's module, next to the node's entry (`realtime/channel-thread.mjs`, bundled or not).
 */
export async function startChannelThread(
  config: RealtimeConfig,
  input: { nodeId: string; logger: Logger; metrics: Metrics; threadUrl: URL },
): Promise<ChannelThread> {
  const { logger } = input;
  const settings = channelSettings(config);
  if (!settings.push && !settings.webhook) {
    logger.info('no push or webhook channel configured on this node (VAPID_* / INTEGRATION_SIGNING_KEY unset)');
    return { stop: async () => {} };
  }
  let stopping = false;
  let restartMs = RESTART_MIN_MS;
  let restartTimer: NodeJS.Timeout | undefined;

  const spawn = () =>
    new Promise<RunningThread>((resolve, reject) => {
      const worker = new Worker(input.threadUrl, { workerData: { config, nodeId: input.nodeId } });
      const exited = new Promise<void>((ended) => worker.once('exit', () => ended()));
      let started = false;
      let startedAt = 0;
      worker.on('message', (message: FromChannelThread) => {
        if (message.type === 'spans') observeSpans(input.metrics, message.batch);
        if (message.type === 'started') {
          started = true;
          startedAt = Date.now();
          resolve({ worker, exited });
        }
      });
      worker.on('error', (error) => {
        if (!started) reject(error);
        else logger.error('channel thread failed', { error: error.message });
      });
      worker.on('exit', (code) => {
        if (!started) reject(new Error(`channel thread exited with ${code} before it started`));
        else if (!stopping) {
          if (Date.now() - startedAt >= HEALTHY_RUN_MS) restartMs = RESTART_MIN_MS;
          scheduleRestart(code);
        }
      });
    });

  const scheduleRestart = (code: number) => {
    logger.error('channel thread ended; restarting it (queued attempts wait in the database)', {
      exitCode: code,
      restartInMs: restartMs,
    });
    restartTimer = setTimeout(() => {
      spawn().then(
        (thread) => {
          current = thread;
          if (stopping) void stopThread(thread);
        },
        (error: Error) => {
          logger.error('channel thread did not start', { error: error.message });
          if (!stopping) scheduleRestart(1);
        },
      );
    }, restartMs);
    restartMs = Math.min(restartMs * 2, RESTART_MAX_MS);
  };

  let current: RunningThread = await spawn();
  return {
    stop: async () => {
      stopping = true;
      clearTimeout(restartTimer);
      await stopThread(current);
    },
  };
}

interface RunningThread {
  worker: Worker;
  exited: Promise<void>;
}

/**
 * Asks the thread to finish its requests and record their outcomes (each bounded by its timeout), then waits for it
 * to end (at once if it has ended already: stopped between a crash and its restart).
 */
function stopThread(thread: RunningThread): Promise<void> {
  thread.worker.postMessage({ type: 'stop' } satisfies ToChannelThread);
  return thread.exited;
}
