import { ConnectionUpkeep } from './connection-upkeep';
import { type RealtimeJobsContext, startRealtimeJobs } from './jobs';

/**
 * What the node does on a clock: the jobs it declares (`realtime/jobs.ts`) and the ping frames to every dashboard
 * (not database work, so a plain timer). The returned function stops all of it once the runs under way finish.
 */
export function startPeriodicWork(context: RealtimeJobsContext): () => Promise<void> {
  const upkeep = new ConnectionUpkeep({
    registry: context.registry,
    pingSeconds: context.config.REALTIME_PING_SECONDS,
  });
  upkeep.start();
  const jobs = startRealtimeJobs(context);
  return async () => {
    upkeep.stop();
    await jobs.stop();
  };
}
