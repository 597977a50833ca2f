import { expect, test } from 'vitest';
import type { Logger } from '../../core/logger';
import { TestPatternSource } from './test-pattern';

test('an ffmpeg that cannot start (ENOENT: no exit event) is retried with backoff, not given up on', async () => {
  const failures: string[] = [];
  const logger: Logger = {
    debug: () => {},
    info: () => {},
    warn: () => {},
    error: (message) => failures.push(message),
  };
  const source = new TestPatternSource(
    {
      ...{ width: 160, height: 120, fps: 5, gopSeconds: 1, port: 9, ssrc: 1, payloadType: 96 },
      ffmpegPath: '/nonexistent/ffmpeg',
    },
    logger,
  );
  source.start();
  try {
    // First attempt at once, the retry 500 ms later.
    await expect.poll(() => failures.length, { timeout: 3000, interval: 50 }).toBeGreaterThanOrEqual(2);
    expect(failures[0]).toBe('test pattern ffmpeg failed');
  } finally {
    source.stop();
  }
});
