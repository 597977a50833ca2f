import type { Sql } from '../../db/client';
import type { Logger } from '../logger';
import type { ScheduledJob } from './job';
import { withJobLock } from './job-lock';

export interface RunningJobs {
  /**
   * Runs one job now (tests, an operator) and resolves when it and its outcome handler are done. A run under way is
   * waited for first, so this run sees every change made before the call.
   */
  runNow(name: string, now?: Date): Promise<void>;
  /** No new runs; resolves when the runs under way finish. */
  stop(): Promise<void>;
}

/**
 * One run of a scheduled job as its exclusivity asks (an `advisory-lock` job runs only where its lock was taken),
 * then its outcome handler. Never rejects: a failure is logged and the job simply runs again next time. The Workers
 * cron calls this directly; `startJobs` calls it on each job's interval.
 */
export async function runScheduledJob(sql: Sql, entry: ScheduledJob, logger: Logger, now = new Date()): Promise<void> {
  const { job } = entry;
  try {
    const run =
      job.exclusivity === 'advisory-lock'
        ? await withJobLock(sql, job.name, () => job.run(sql, now))
        : { ran: true as const, outcome: await job.run(sql, now) };
    if (!run.ran) {
      logger.debug('job skipped: another process is running it', { job: job.name });
      return;
    }
    await entry.onOutcome?.(run.outcome);
  } catch (error) {
    logger.error('job failed; it runs again at its next interval', {
      job: job.name,
      error: error instanceof Error ? error.message : String(error),
    });
  }
}

/**
 * Runs each scheduled job every `everyMs` (0 = not on a timer; `runNow` still runs it). A tick that finds the
 * job's previous run still going is skipped, so two runs of one job never overlap in this process and a slow
 * database never piles runs up, while a job that keeps up runs at a steady rate.
 */
export function startJobs(sql: Sql, scheduled: readonly ScheduledJob[], logger: Logger): RunningJobs {
  const byName = new Map(scheduled.map((entry) => [entry.job.name, entry]));
  if (byName.size !== scheduled.length) throw new Error('startJobs: two scheduled jobs share a name');
  const running = new Map<string, Promise<void>>();
  let stopped = false;

  const start = (entry: ScheduledJob, now: Date): Promise<void> => {
    const run: Promise<void> = runScheduledJob(sql, entry, logger, now).finally(() => {
      if (running.get(entry.job.name) === run) running.delete(entry.job.name);
    });
    running.set(entry.job.name, run);
    return run;
  };

  const timers = scheduled
    .filter((entry) => entry.everyMs > 0)
    .map((entry) => {
      const timer = setInterval(() => {
        if (!stopped && !running.has(entry.job.name)) void start(entry, new Date());
      }, entry.everyMs);
      timer.unref?.();
      return timer;
    });

  return {
    async runNow(name, now = new Date()) {
      const entry = byName.get(name);
      if (!entry) throw new Error(`runNow: no scheduled job named ${name}`);
      for (let under = running.get(name); under; under = running.get(name)) await under;
      if (stopped) throw new Error(`runNow: jobs stopped; ${name} not run`);
      await start(entry, now);
    },
    async stop() {
      stopped = true;
      for (const timer of timers) clearInterval(timer);
      await Promise.all(running.values());
    },
  };
}
