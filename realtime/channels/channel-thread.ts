// The channel sender's thread (see `startChannelThread`): its own event loop, so encrypting pushes, signing webhooks
// and parsing their claims never delay a dashboard frame on the node's main loop.
import { readlinkSync } from 'node:fs';
import { setPriority } from 'node:os';
import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../../core/logger';
import { createDatabase } from '../../db/client';
import type { RealtimeConfig } from '../env';
import { ChannelSender } from './channel-sender';
import { channelSettings } from './settings';
import { type SpanName, SpanRelay, type ToChannelThread } from './thread-messages';

const CHANNEL_THREAD_NICE = 10;

const port = parentPort;
if (!port) throw new Error('channel-thread runs as a worker thread (startChannelThread)');
const { config, nodeId } = workerData as { config: RealtimeConfig; nodeId: string };

const logger = createLogger('realtime', config.LOG_LEVEL);
yieldToTheDashboardPath();
const database = createDatabase(config.DATABASE_URL, {
  max: 4,
  applicationName: `carewatch-channels ${nodeId}`,
  genericPlans: true,
});
const spans = new SpanRelay((batch) => port.postMessage({ type: 'spans', batch }));
const observe = (name: SpanName) => ({ observe: (seconds: number) => spans.observe(name, seconds) });
const sender = new ChannelSender({
  ...channelSettings(config),
  sql: database.sql,
  nodeId,
  logger,
  metrics: {
    channelCreatedToClaimed: observe('channelCreatedToClaimed'),
    channelRequest: observe('channelRequest'),
    channelOutcomeRecorded: observe('channelOutcomeRecorded'),
  },
});

port.on('message', (message: ToChannelThread) => {
  if (message.type !== 'stop') return;
  void (async () => {
    await sender.stop();
    spans.flush();
    await database.close();
    port.postMessage({ type: 'stopped' });
    port.close();
  })();
});

await sender.start();
logger.info('channel sender started', { channels: sender.sends });
port.postMessage({ type: 'started' });

/**
 * On a busy machine the dashboard path (the node's main thread) goes first: this thread runs at nice 10, so push
 * and webhook work takes the CPU the main thread leaves. Linux names a thread's id under /proc/thread-self, and
 * setpriority on a thread id changes that thread only; elsewhere the thread keeps the process's priority.
 */
function yieldToTheDashboardPath(): void {
  try {
    const threadId = Number(readlinkSync('/proc/thread-self').split('/').pop());
    if (Number.isInteger(threadId) && threadId > 0) setPriority(threadId, CHANNEL_THREAD_NICE);
  } catch (error) {
    logger.debug('channel thread keeps the node priority', { error: (error as Error).message });
  }
}
