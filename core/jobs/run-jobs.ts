import type { Sql } from '../../db/client';
import type { Logger } from '../logger';
import type { ScheduledJob } from './job';

export interface RunningJobs {
  /** Runs one job now (tests, the Workers cron) and resolves when it and its outcome handler are done. */
  runNow(name: string, now?: Date): Promise<void>;
  /** No new runs; resolves when the runs under way finish. */
  stop(): Promise<void>;
}

/**
 * Runs each scheduled job every `everyMs`, never two runs of the same job at once in this process (the next run is
 * timed from the end of the last). A failing run is logged and the job runs again next time.
 */
export function startJobs(sql: Sql, scheduled: readonly ScheduledJob[], logger: Logger): RunningJobs {
  const byName = new Map(scheduled.map((entry) => [entry.job.name, entry]));
  if (byName.size !== scheduled.length) throw new Error('startJobs: two scheduled jobs share a name');
  const timers = new Map<string, ReturnType<typeof setTimeout>>();
  const running = new Map<string, Promise<void>>();
  let stopped = false;

  const runOnce = (entry: ScheduledJob, now: Date): Promise<void> => {
    const previous = running.get(entry.job.name);
    if (previous) return previous;
    const run = (async () => {
      try {
        const outcome = await entry.job.run(sql, now);
        await entry.onOutcome?.(outcome);
      } catch (error) {
        logger.error('job failed; it runs again at its next interval', {
          job: entry.job.name,
          error: error instanceof Error ? error.message : String(error),
        });
      } finally {
        running.delete(entry.job.name);
      }
    })();
    running.set(entry.job.name, run);
    return run;
  };

  const arm = (entry: ScheduledJob) => {
    if (stopped || entry.everyMs <= 0) return;
    const timer = setTimeout(() => {
      void runOnce(entry, new Date()).then(() => arm(entry));
    }, entry.everyMs);
    timer.unref?.();
    timers.set(entry.job.name, timer);
  };
  for (const entry of scheduled) arm(entry);

  return {
    async runNow(name, now = new Date()) {
      const entry = byName.get(name);
      if (!entry) throw new Error(`runNow: no scheduled job named ${name}`);
      await runOnce(entry, now);
    },
    async stop() {
      stopped = true;
      for (const timer of timers.values()) clearTimeout(timer);
      await Promise.all(running.values());
    },
  };
}
