import type { Sql } from '../../db/client';

/**
 * How a job stays correct when several processes run it at once:
 * - `advisory-lock`: one run at a time across all processes (`pg_try_advisory_xact_lock`; the others skip);
 * - `skip-locked`: every process may run it; each row is taken by one of them (`FOR UPDATE SKIP LOCKED`);
 * - `per-process`: it only touches what this process holds (its own connections, its own camera viewers).
 */
export type JobExclusivity = 'advisory-lock' | 'skip-locked' | 'per-process';

/** Time-driven work: given PostgreSQL and the time, does what is due and returns what it did. */
export interface Job<Outcome = unknown> {
  /** Unique across the project; the advisory-lock key is derived from it. */
  name: string;
  exclusivity: JobExclusivity;
  /** One line for the README's job list: what it does. */
  description: string;
  run(sql: Sql, now: Date): Promise<Outcome>;
}

/** A runtime's decision to run a job: how often, and what it does with each outcome (close sockets, log). */
export interface ScheduledJob<Outcome = unknown> {
  job: Job<Outcome>;
  everyMs: number;
  onOutcome?: (outcome: Outcome) => void | Promise<void>;
}

/** Type-erases a scheduled job so a runtime can list jobs of different outcomes together. */
export function schedule<Outcome>(
  job: Job<Outcome>,
  everyMs: number,
  onOutcome?: (outcome: Outcome) => void | Promise<void>,
): ScheduledJob {
  return { job, everyMs, onOutcome } as ScheduledJob;
}
