import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startIngestHarness } from '../../functions/ingest/testing';
import { runSimulation } from './simulator';

describe('hub simulator against a real functions server', () => {
  let h: Awaited<ReturnType<typeof startIngestHarness>>;
  beforeAll(async () => {
    // A tight per-hub limit: the simulator must get 429s and recover by retrying the same batches.
    h = await startIngestHarness({
      INGEST_HUB_RATE_PER_SECOND: '4',
      INGEST_HUB_BURST: '2',
      SILENCE_CHECK_INTERVAL_MS: '0',
    });
  });
  afterAll(() => h.stop());

  test('sends routine batches, stages an SOS, retries 429s with the same event ids and loses nothing', async () => {
    const summary = await runSimulation({
      url: h.server.url,
      hubs: h.org.hubs,
      rate: 200,
      durationSeconds: 3,
      batchIntervalMs: 100,
      scenario: 'sos',
      scenarioAfterSeconds: 0, // in the first batch, so a slow machine cannot run out of time before it
    });
    expect(summary.errors).toBe(0);
    expect(summary.retries).toBeGreaterThan(0);
    expect(summary.accepted).toBe(summary.sent);
    expect(summary.alerts).toContainEqual({ kind: 'sos', severity: 'critical', created: true });
    const [stored] = await h.database.sql<{ n: number }[]>`select count(*)::int as n from sensor_events`;
    expect(stored?.n).toBe(summary.accepted);
  });
});
