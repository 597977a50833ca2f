import type { ConnectionUpkeep } from './connection-upkeep';
import type { Dispatcher } from './dispatcher';
import type { RealtimeConfig } from './env';

/** What the node does on a clock; the returned function stops all of it. */
export function startPeriodicWork(
  config: RealtimeConfig,
  { dispatcher, upkeep }: { dispatcher: Dispatcher; upkeep: ConnectionUpkeep },
): () => void {
  const timers = [
    setInterval(() => void dispatcher.sweep(), config.REALTIME_SWEEP_MS),
    setInterval(() => void dispatcher.escalate(), config.REALTIME_ESCALATION_MS),
    setInterval(() => upkeep.ping(), config.REALTIME_PING_SECONDS * 1000),
    setInterval(() => void upkeep.closeInactiveStaff(), config.REALTIME_STAFF_RECHECK_SECONDS * 1000),
  ];
  for (const timer of timers) timer.unref();
  return () => {
    for (const timer of timers) clearInterval(timer);
  };
}
