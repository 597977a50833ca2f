import type { Sql } from '../../db/client';

/**
 * The advisory-lock key of a job: FNV-1a 64 of its name, as a signed bigint (PostgreSQL's `bigint`). Stable across
 * processes and releases, so every process running the job contends for the same lock.
 */
export function jobLockKey(jobName: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(`carewatch.job:${jobName}`)) {
    hash ^= BigInt(byte);
    hash = BigInt.asUintN(64, hash * 0x100000001b3n);
  }
  return BigInt.asIntN(64, hash);
}

export type LockedRun<T> = { ran: true; outcome: T } | { ran: false };

/**
 * Runs `work` only if no other process is running the same job: takes `pg_try_advisory_xact_lock` keyed from the
 * job's name in a transaction held open for the run, and answers `{ ran: false }` without waiting when another
 * process holds it. `work` uses the pool, not that transaction, so what it commits is visible as it goes; the lock
 * ends with the transaction, also when the process dies (the connection closes). Costs one pooled connection for
 * the duration of the run.
 */
export async function withJobLock<T>(sql: Sql, jobName: string, work: () => Promise<T>): Promise<LockedRun<T>> {
  const key = jobLockKey(jobName).toString();
  let result: LockedRun<T> = { ran: false };
  await sql.begin(async (tx) => {
    const [lock] = await tx<{ acquired: boolean }[]>`select pg_try_advisory_xact_lock(${key}::bigint) as acquired`;
    if (lock?.acquired) result = { ran: true, outcome: await work() };
  });
  return result;
}
