import type { Job, ScheduledJob } from '../core/jobs/job';
import { schedule } from '../core/jobs/job';
import { evaluateSilence, type SilenceOutcome } from '../db/alerts/silence';
import type { FunctionsConfig } from './env';

/** The silence rules as a job: one evaluation at a time across every process sharing the database. */
export const silenceJob: Job<SilenceOutcome> = {
  name: 'silence-rules',
  exclusivity: 'advisory-lock',
  description: 'raises and clears no-activity and hub-offline alerts',
  run: (sql, now) => evaluateSilence(sql, now),
};

/**
 * The functions runtimes' time-driven work, declared once: a Node process runs each on its interval (`startJobs`),
 * the Workers Cron Trigger runs all of them on every trigger (`runScheduledJob`), whatever the interval says.
 * `afterSilence`: what the runtime does with each outcome (Workers drop cached profiles themselves: they cannot
 * LISTEN for alert changes as a Node process does).
 */
export function functionsJobs(
  config: FunctionsConfig,
  afterSilence?: (outcome: SilenceOutcome) => Promise<void>,
): ScheduledJob[] {
  return [schedule(silenceJob, config.SILENCE_CHECK_INTERVAL_MS, afterSilence)];
}
