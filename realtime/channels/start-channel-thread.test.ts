import { describe, expect, it } from 'vitest';
import webPush from 'web-push';
import type { LogFields, Logger } from '../../core/logger';
import { Metrics } from '../metrics';
import { testRealtimeConfig } from '../testing';
import { startChannelThread } from './start-channel-thread';

function recordingLogger(): Logger & { lines: { level: string; message: string; fields?: LogFields }[] } {
  const lines: { level: string; message: string; fields?: LogFields }[] = [];
  const at = (level: string) => (message: string, fields?: LogFields) => lines.push({ level, message, fields });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

const vapid = webPush.generateVAPIDKeys();
// Never connected to: the stand-in thread below does not open the database.
const config = testRealtimeConfig('postgres://nobody@127.0.0.1:9/none', {
  VAPID_PUBLIC_KEY: vapid.publicKey,
  VAPID_PRIVATE_KEY: vapid.privateKey,
});

describe('startChannelThread', () => {
  it('restarts a channel thread that died, with backoff, relays its spans, and stops it', async () => {
    const logger = recordingLogger();
    const metrics = new Metrics();
    const thread = await startChannelThread(config, {
      nodeId: 'test-node',
      logger,
      metrics,
      threadUrl: new URL('./testing/short-lived-thread.mjs', import.meta.url),
    });
    const restarts = () => logger.lines.filter((line) => line.message.startsWith('channel thread ended; restarting'));
    await expect.poll(() => restarts().length, { timeout: 6_000 }).toBeGreaterThanOrEqual(2);
    // It crashes right after each start: the wait doubles instead of restarting it in a tight loop.
    expect(
      restarts()
        .slice(0, 2)
        .map((line) => line.fields?.restartInMs),
    ).toEqual([1_000, 2_000]);
    expect(restarts()[0]?.fields?.exitCode).toBe(3);
    expect(metrics.channelRequest.render('node="test-node"').join('\n')).toMatch(
      /carewatch_channel_request_seconds_count\{[^}]*\} [1-9]/,
    );
    await thread.stop();
    const after = restarts().length;
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    expect(restarts().length).toBe(after);
  }, 15_000);

  it('does not start a thread when no channel is configured', async () => {
    const logger = recordingLogger();
    const thread = await startChannelThread(testRealtimeConfig('postgres://nobody@127.0.0.1:9/none'), {
      nodeId: 'test-node',
      logger,
      metrics: new Metrics(),
      threadUrl: new URL('./testing/missing-thread.mjs', import.meta.url),
    });
    await thread.stop();
    expect(logger.lines.map((line) => line.message)).toEqual([expect.stringMatching(/^no push or webhook channel/)]);
  });

  it('fails to start when the thread cannot load', async () => {
    await expect(
      startChannelThread(config, {
        nodeId: 'test-node',
        logger: recordingLogger(),
        metrics: new Metrics(),
        threadUrl: new URL('./testing/missing-thread.mjs', import.meta.url),
      }),
    ).rejects.toThrow(/Cannot find module|ERR_MODULE_NOT_FOUND/);
  });
});
