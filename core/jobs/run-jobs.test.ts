import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createDatabase, type Sql } from '../../db/client';
import { createTestDatabase, type TestDatabase } from '../../db/testing/database';
import type { LogFields, Logger } from '../logger';
import { type Job, type JobExclusivity, schedule } from './job';
import { jobLockKey } from './job-lock';
import { runScheduledJob, startJobs } from './run-jobs';

/** Per-process jobs never touch PostgreSQL through the runner. */
const noDatabase = {} as Sql;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function recordingLogger() {
  const lines: { level: string; message: string; fields?: LogFields }[] = [];
  const at =
    (level: string) =>
    (message: string, fields?: LogFields): void => {
      lines.push({ level, message, fields });
    };
  const logger: Logger = { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
  return { logger, lines };
}

function job<T>(
  name: string,
  run: (sql: Sql, now: Date) => Promise<T>,
  exclusivity: JobExclusivity = 'per-process',
): Job<T> {
  return { name, exclusivity, description: name, run };
}

function deferred() {
  let resolve = () => {};
  const promise = new Promise<void>((done) => {
    resolve = done;
  });
  return { promise, resolve };
}

describe('startJobs', () => {
  test('runs a job on its interval, never two runs of it at once', async () => {
    let running = 0;
    let most = 0;
    let runs = 0;
    const slow = job('slow', async () => {
      running++;
      most = Math.max(most, running);
      await sleep(45);
      running--;
      runs++;
    });
    const { logger } = recordingLogger();
    const jobs = startJobs(noDatabase, [schedule(slow, 10)], logger);
    await sleep(300);
    await jobs.stop();
    expect(most).toBe(1);
    expect(runs).toBeGreaterThanOrEqual(3);
  });

  test('a failing run is logged with the job name and the job runs again next interval', async () => {
    let calls = 0;
    const outcomes: number[] = [];
    const flaky = job('flaky', async () => {
      calls++;
      if (calls === 1) throw new Error('database went away');
      return calls;
    });
    const { logger, lines } = recordingLogger();
    const jobs = startJobs(noDatabase, [schedule(flaky, 15, (outcome) => void outcomes.push(outcome))], logger);
    await expect.poll(() => outcomes.length, { timeout: 2000, interval: 5 }).toBeGreaterThan(0);
    await jobs.stop();
    expect(lines).toContainEqual({
      level: 'error',
      message: 'job failed; it runs again at its next interval',
      fields: { job: 'flaky', error: 'database went away' },
    });
    expect(outcomes[0]).toBe(2);
  });

  test('stop waits for the run under way and no run starts after it', async () => {
    const gate = deferred();
    let started = 0;
    let finished = 0;
    const held = job('held', async () => {
      started++;
      await gate.promise;
      finished++;
    });
    const { logger } = recordingLogger();
    const jobs = startJobs(noDatabase, [schedule(held, 5)], logger);
    await expect.poll(() => started, { timeout: 2000, interval: 2 }).toBe(1);
    let stopped = false;
    const stopping = jobs.stop().then(() => {
      stopped = true;
    });
    await sleep(30);
    expect(stopped).toBe(false);
    gate.resolve();
    await stopping;
    expect(finished).toBe(1);
    await sleep(30);
    expect(started).toBe(1);
    await expect(jobs.runNow('held')).rejects.toThrow(/stopped/);
  });

  test('runNow runs a job off its timer with the given time, after its outcome handler, and waits for a run under way', async () => {
    const seen: Date[] = [];
    const handled: Date[] = [];
    const gate = deferred();
    let calls = 0;
    const clock = job('clock', async (_sql, now) => {
      calls++;
      if (calls === 1) await gate.promise;
      seen.push(now);
      return now;
    });
    const { logger } = recordingLogger();
    // 0: not on a timer at all.
    const jobs = startJobs(noDatabase, [schedule(clock, 0, (now) => void handled.push(now))], logger);
    const first = new Date('2026-01-01T00:00:00Z');
    const second = new Date('2026-01-02T00:00:00Z');
    const running = jobs.runNow('clock', first);
    const afterIt = jobs.runNow('clock', second);
    await sleep(20);
    expect(calls).toBe(1);
    gate.resolve();
    await Promise.all([running, afterIt]);
    expect(seen).toEqual([first, second]);
    expect(handled).toEqual([first, second]);
    await expect(jobs.runNow('missing')).rejects.toThrow(/no scheduled job named missing/);
    await jobs.stop();
  });

  test('two scheduled jobs with one name are refused', () => {
    const { logger } = recordingLogger();
    const same = job('same', async () => 0);
    expect(() => startJobs(noDatabase, [schedule(same, 10), schedule(same, 20)], logger)).toThrow(/share a name/);
  });
});

describe('advisory-lock jobs', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.drop();
  });

  test('the lock key is stable per name and differs between names', () => {
    expect(jobLockKey('silence-rules')).toBe(jobLockKey('silence-rules'));
    expect(jobLockKey('silence-rules')).not.toBe(jobLockKey('escalation'));
    expect(jobLockKey('silence-rules')).toBeGreaterThanOrEqual(-(2n ** 63n));
    expect(jobLockKey('silence-rules')).toBeLessThan(2n ** 63n);
  });

  test('two processes run one at once: the other skips without waiting; the lock ends with the run', async () => {
    const gate = deferred();
    let runs = 0;
    const exclusive = job(
      'exclusive-test',
      async () => {
        runs++;
        await gate.promise;
        return runs;
      },
      'advisory-lock',
    );
    const outcomes: number[] = [];
    const { logger, lines } = recordingLogger();
    const entry = schedule(exclusive, 0, (outcome) => void outcomes.push(outcome));
    // Two pools: as two processes would hold them.
    const other = createDatabase(database.url, { max: 3 });
    try {
      const holding = runScheduledJob(database.sql, entry, logger);
      await expect.poll(() => runs, { timeout: 2000, interval: 5 }).toBe(1);
      await runScheduledJob(other.sql, entry, logger);
      expect(runs).toBe(1);
      expect(lines).toContainEqual({
        level: 'debug',
        message: 'job skipped: another process is running it',
        fields: { job: 'exclusive-test' },
      });
      gate.resolve();
      await holding;
      await runScheduledJob(other.sql, entry, logger);
      expect(outcomes).toEqual([1, 2]);
    } finally {
      await other.close();
    }
  });

  test('per-process and skip-locked jobs take no lock', async () => {
    const { logger } = recordingLogger();
    const outcomes: string[] = [];
    for (const exclusivity of ['per-process', 'skip-locked'] as const) {
      const free = job(`free-${exclusivity}`, async () => exclusivity, exclusivity);
      await runScheduledJob(
        noDatabase,
        schedule(free, 0, (outcome) => void outcomes.push(outcome)),
        logger,
      );
    }
    expect(outcomes).toEqual(['per-process', 'skip-locked']);
  });
});
