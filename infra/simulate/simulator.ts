import { routineEvents, type Scenario, type SimulatedEvent, type SimulatedHub, scenarioEvents } from './events';

export interface SimulationOptions {
  url: string;
  hubs: SimulatedHub[];
  /** Events per second across all hubs. */
  rate: number;
  /** Seconds to run; 0 runs until `signal` aborts. */
  durationSeconds: number;
  /** Each hub sends one batch per interval. */
  batchIntervalMs?: number;
  scenario?: Scenario;
  /** Seconds after the start when the scenario is staged in the first hub's home. */
  scenarioAfterSeconds?: number;
  maxAttempts?: number;
  signal?: AbortSignal;
  progress?: (line: string) => void;
}

export interface SimulationSummary {
  seconds: number;
  sent: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  /** Batches given up after every retry failed. */
  errors: number;
  retries: number;
  alerts: { kind: string; severity: string; created: boolean }[];
  eventsPerSecond: number;
}

/**
 * Sensor hubs sending batches like real gateways: each on its own timer, retrying a failed batch (network error,
 * 5xx, 429 with Retry-After) with the SAME event ids, so the server's idempotency is exercised, not bypassed.
 */
export async function runSimulation(options: SimulationOptions): Promise<SimulationSummary> {
  const interval = options.batchIntervalMs ?? 1_000;
  const maxAttempts = options.maxAttempts ?? 6;
  const started = Date.now();
  const summary: SimulationSummary = {
    seconds: 0,
    sent: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    errors: 0,
    retries: 0,
    alerts: [],
    eventsPerSecond: 0,
  };
  const perHubPerBatch = (options.rate * interval) / 1000 / Math.max(1, options.hubs.length);
  let staged = false;
  const done = () =>
    options.signal?.aborted || (options.durationSeconds > 0 && Date.now() - started >= options.durationSeconds * 1000);

  const ticker = setInterval(() => {
    const seconds = (Date.now() - started) / 1000;
    options.progress?.(
      `t=${seconds.toFixed(0)}s sent=${summary.sent} events/s=${Math.round(summary.accepted / Math.max(seconds, 0.001))} ` +
        `accepted=${summary.accepted} duplicates=${summary.duplicates} rejected=${summary.rejected} ` +
        `errors=${summary.errors} retries=${summary.retries} alerts=${summary.alerts.length}`,
    );
  }, 1_000);

  const hubLoop = async (hub: SimulatedHub, index: number) => {
    let owed = 0;
    // Spread the hubs over the interval so batches do not arrive in lockstep.
    await sleep((interval * index) / Math.max(1, options.hubs.length), options.signal);
    while (!done()) {
      const tickStarted = Date.now();
      owed += perHubPerBatch;
      const count = Math.floor(owed);
      owed -= count;
      const scenarioDue =
        index === 0 && options.scenario && Date.now() - started >= (options.scenarioAfterSeconds ?? 3) * 1000;
      const quiet = scenarioDue && options.scenario === 'inactivity';
      const events: SimulatedEvent[] = routineEvents(hub, count, { spreadMs: interval, quiet });
      if (scenarioDue && !staged && options.scenario) {
        staged = true;
        events.push(...scenarioEvents(hub, options.scenario));
      }
      await sendWithRetries(options.url, hub, events, maxAttempts, summary, options.signal);
      await sleep(interval - (Date.now() - tickStarted), options.signal);
    }
  };

  try {
    await Promise.all(options.hubs.map(hubLoop));
  } finally {
    clearInterval(ticker);
  }
  summary.seconds = Math.round((Date.now() - started) / 100) / 10;
  summary.eventsPerSecond = Math.round(summary.accepted / Math.max(summary.seconds, 0.001));
  return summary;
}

async function sendWithRetries(
  url: string,
  hub: SimulatedHub,
  events: SimulatedEvent[],
  maxAttempts: number,
  summary: SimulationSummary,
  signal?: AbortSignal,
): Promise<void> {
  // The body is built once: every retry carries the same event ids and times.
  const body = JSON.stringify({ hub: { firmware: 'sim-1.0', batteryPct: 90, powerState: 'mains' }, events });
  summary.sent += events.length;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let wait = Math.min(8_000, 250 * 2 ** (attempt - 1));
    try {
      const response = await fetch(`${url}/v1/ingest/events`, {
        method: 'POST',
        headers: { authorization: `Bearer ${hub.apiKey}`, 'content-type': 'application/json' },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      if (response.status === 200) {
        const result = (await response.json()) as {
          accepted: number;
          duplicates: number;
          rejected: number;
          alerts: { kind: string; severity: string; created: boolean }[];
        };
        summary.accepted += result.accepted;
        summary.duplicates += result.duplicates;
        summary.rejected += result.rejected;
        summary.alerts.push(...result.alerts.map(({ kind, severity, created }) => ({ kind, severity, created })));
        return;
      }
      await response.body?.cancel();
      if (response.status !== 429 && response.status < 500) {
        summary.errors++;
        return; // a 4xx will not improve by retrying
      }
      const retryAfter = Number(response.headers.get('retry-after'));
      if (retryAfter > 0) wait = retryAfter * 1000;
    } catch {
      // network error or timeout: retry the same batch
    }
    if (attempt < maxAttempts && !signal?.aborted) {
      summary.retries++;
      await sleep(wait, signal);
    }
  }
  summary.errors++;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
