import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { schedule } from '../../core/jobs/job';
import { jobLockKey } from '../../core/jobs/job-lock';
import { runScheduledJob } from '../../core/jobs/run-jobs';
import { createLogger } from '../../core/logger';
import { evaluateSilence, type SilenceOutcome } from '../../db/alerts/silence';
import { silenceJob } from '../jobs';
import { event, startIngestHarness } from './testing';

const HOUR = 3_600_000;

describe('silence rules, driven with explicit "now" values', () => {
  let h: Awaited<ReturnType<typeof startIngestHarness>>;
  let nextHub = 0;
  const home = () => h.hub(nextHub++);
  const openAlerts = (residentId: string, kind: string) =>
    h.database.sql<
      {
        id: string;
        severity: string;
        status: string;
        title: string;
        resolved_by: string | null;
        resolution_note: string | null;
      }[]
    >`
      select id, severity, status, title, resolved_by, resolution_note from alerts
       where resident_id = ${residentId} and kind = ${kind}::alert_kind order by opened_at`;
  const lastActivity = async (residentId: string, at: Date) => {
    await h.database
      .sql`update residents set last_activity_at = ${at.toISOString()}::timestamptz where id = ${residentId}`;
  };
  /** What a run did to one resident's alerts of one kind (runs cover every resident and hub in the database). */
  const mine = (outcome: Awaited<ReturnType<typeof evaluateSilence>>, residentId: string, kind = 'no_activity') => ({
    raised: outcome.raised.filter((alert) => alert.residentId === residentId && alert.kind === kind),
    resolved: outcome.resolved.filter((alert) => alert.residentId === residentId && alert.kind === kind),
  });

  beforeAll(async () => {
    h = await startIngestHarness({ SILENCE_CHECK_INTERVAL_MS: '0' }, 8);
  });
  afterAll(() => h.stop());

  test('no activity climbs the ladder caution → warning → danger on one alert; activity resolves it', async () => {
    const hub = home();
    const t0 = new Date(Date.now() - 1000);
    await lastActivity(hub.residentId, t0);
    const at = (hours: number) => new Date(t0.getTime() + hours * HOUR);

    expect(mine(await evaluateSilence(h.database.sql, at(11.9)), hub.residentId).raised).toEqual([]);
    const caution = mine(await evaluateSilence(h.database.sql, at(12.5)), hub.residentId);
    expect(caution.raised).toEqual([
      expect.objectContaining({ kind: 'no_activity', severity: 'medium', created: true }),
    ]);
    // Same step again: nothing new (no repeated attach on every run).
    expect(mine(await evaluateSilence(h.database.sql, at(13)), hub.residentId).raised).toEqual([]);
    const warning = mine(await evaluateSilence(h.database.sql, at(18.2)), hub.residentId);
    expect(warning.raised).toEqual([expect.objectContaining({ severity: 'high', created: false })]);
    const danger = mine(await evaluateSilence(h.database.sql, at(24.1)), hub.residentId);
    expect(danger.raised).toEqual([expect.objectContaining({ severity: 'critical', created: false })]);
    const alerts = await openAlerts(hub.residentId, 'no_activity');
    expect(alerts).toHaveLength(1);
    expect(alerts[0]).toMatchObject({ severity: 'critical', status: 'open', title: 'No activity for 24 h (danger)' });

    // Activity arrives through ingest: the alert clears itself in that batch's transaction.
    const batch = await h.post(hub.apiKey, { events: [event(hub.device('activity'), 'activity')] });
    expect(batch.body?.cleared).toContainEqual({ alertId: alerts[0]?.id, kind: 'no_activity', resolved: true });
    expect((await openAlerts(hub.residentId, 'no_activity'))[0]).toMatchObject({
      status: 'resolved',
      resolved_by: null,
      resolution_note: expect.stringContaining('Cleared'),
    });
  });

  test('an open no-activity alert is also resolved by the schedule once the resident is active again', async () => {
    const hub = home();
    // Earlier runs far in the "future" left every resident silent; a run now, after activity, clears that first.
    await lastActivity(hub.residentId, new Date());
    await evaluateSilence(h.database.sql, new Date());
    await lastActivity(hub.residentId, new Date(Date.now() - 13 * HOUR));
    const raised = mine(await evaluateSilence(h.database.sql, new Date()), hub.residentId);
    expect(raised.raised).toHaveLength(1);
    await lastActivity(hub.residentId, new Date());
    const cleared = mine(await evaluateSilence(h.database.sql, new Date()), hub.residentId);
    expect(cleared.resolved).toEqual([expect.objectContaining({ alertId: raised.raised[0]?.alertId, resolved: true })]);
    // Nobody waits for a resolved alert: its deliveries are superseded (with history), never re-sent or pushed.
    const deliveries = await h.database.sql<{ state: string; history: string }[]>`
      select d.state, (select string_agg(coalesce(x.from_state::text, '∅') || '→' || x.to_state, ',' order by x.id)
                         from alert_delivery_history x where x.delivery_id = d.id) as history
        from alert_deliveries d where d.alert_id = ${raised.raised[0]?.alertId ?? ''}`;
    expect(deliveries.length).toBeGreaterThan(0);
    for (const delivery of deliveries) {
      expect(delivery.state).toBe('superseded');
      expect(delivery.history).toMatch(/→superseded$/);
    }
  });

  test("the ladder follows the resident's own hours and pauses while the resident is out", async () => {
    const strict = home();
    await h.database.sql`
      update residents set thresholds = ${JSON.stringify({ inactivityHours: { caution: 2, warning: 4, danger: 8 } })}::text::jsonb
       where id = ${strict.residentId}`;
    const t0 = new Date();
    await lastActivity(strict.residentId, t0);
    const early = mine(await evaluateSilence(h.database.sql, new Date(t0.getTime() + 4.5 * HOUR)), strict.residentId);
    expect(early.raised).toEqual([expect.objectContaining({ severity: 'high', created: true })]);

    const away = home();
    await h.post(away.apiKey, { events: [event(null, 'going_out')] });
    const [resident] = await h.database.sql`select presence from residents where id = ${away.residentId}`;
    expect(resident?.presence).toBe('out');
    const later = mine(await evaluateSilence(h.database.sql, new Date(Date.now() + 30 * HOUR)), away.residentId);
    expect(later.raised).toEqual([]);
  });

  test('a hub silent past the org threshold raises hub offline once; a heartbeat clears it', async () => {
    const hub = home();
    const seen = new Date(Date.now() - 1000);
    await h.database.sql`update hubs set last_seen_at = ${seen.toISOString()}::timestamptz where id = ${hub.id}`;
    const at = (minutes: number) => new Date(seen.getTime() + minutes * 60_000);
    expect(mine(await evaluateSilence(h.database.sql, at(29)), hub.residentId, 'hub_offline').raised).toEqual([]);
    const offline = mine(await evaluateSilence(h.database.sql, at(31)), hub.residentId, 'hub_offline').raised;
    expect(offline).toEqual([expect.objectContaining({ kind: 'hub_offline', severity: 'medium', created: true })]);
    expect(mine(await evaluateSilence(h.database.sql, at(45)), hub.residentId, 'hub_offline').raised).toEqual([]);

    const heartbeat = await h.post(hub.apiKey, { hub: { batteryPct: 90, powerState: 'mains' }, events: [] });
    expect(heartbeat.body?.cleared).toEqual([{ alertId: offline[0]?.alertId, kind: 'hub_offline', resolved: true }]);
  });

  test('a hub seen again without a batch reaching ingest is cleared by the schedule', async () => {
    const hub = home();
    const seen = new Date(Date.now() - 1000);
    await h.database.sql`update hubs set last_seen_at = ${seen.toISOString()}::timestamptz where id = ${hub.id}`;
    // Earlier runs far in the "future" left this hub offline; a run at a time it was seen clears that first.
    await evaluateSilence(h.database.sql, new Date(seen.getTime() + 60_000));
    const offline = mine(
      await evaluateSilence(h.database.sql, new Date(seen.getTime() + 40 * 60_000)),
      hub.residentId,
      'hub_offline',
    );
    const alertId = offline.raised[0]?.alertId;
    expect(alertId).toBeDefined();
    const back = mine(
      await evaluateSilence(h.database.sql, new Date(seen.getTime() + 10 * 60_000)),
      hub.residentId,
      'hub_offline',
    );
    expect(back.resolved).toEqual([expect.objectContaining({ alertId, kind: 'hub_offline' })]);
  });

  test('the silence job runs in one process at a time: while another holds its lock, a run skips', async () => {
    const outcomes: SilenceOutcome[] = [];
    const entry = schedule(silenceJob, 0, async (outcome) => void outcomes.push(outcome));
    const logger = createLogger('silence-test', 'error');
    const holder = h.database.sql.begin(async (tx) => {
      await tx`select pg_advisory_xact_lock(${jobLockKey(silenceJob.name).toString()}::bigint)`;
      await runScheduledJob(h.database.sql, entry, logger);
      expect(outcomes).toHaveLength(0);
    });
    await holder;
    await runScheduledJob(h.database.sql, entry, logger);
    expect(outcomes).toHaveLength(1);
  });
});
