import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postgresMigrationTarget } from './client';
import type { Execute } from './migrate';
import { migrate } from './migrate';
import { hourlyActivity } from './queries/hourly-activity';
import { createEmptyDatabase } from './testing/database';
import { createTimescalePglite } from './testing/pglite';

const ORG = '11111111-1111-4111-8111-111111111111';
const RESIDENT = '22222222-2222-4222-8222-222222222222';
const OTHER_RESIDENT = '33333333-3333-4333-8333-333333333333';
const HUB = '44444444-4444-4444-8444-444444444444';

/** The same rows go into both databases: a day of mixed events for two residents, some on bucket edges. */
async function seed(execute: Execute) {
  await execute(`insert into organisations (id, name) values ($1, 'Org')`, [ORG]);
  await execute(`insert into residents (id, org_id, name) values ($1, $3, 'Kim'), ($2, $3, 'Lee')`, [
    RESIDENT,
    OTHER_RESIDENT,
    ORG,
  ]);
  const base = Date.parse('2026-11-20T00:00:00Z');
  const kinds = ['activity', 'heart_rate', 'door_open', 'temperature'];
  for (let i = 0; i < 120; i++) {
    const time = new Date(base + i * 11 * 60_000 + (i % 3 === 0 ? 0 : 59_999)).toISOString();
    const kind = kinds[i % kinds.length] ?? 'activity';
    const value = kind === 'heart_rate' ? 60 + (i % 37) : kind === 'temperature' ? 18 + (i % 7) / 2 : null;
    await execute(
      `insert into sensor_events (time, org_id, resident_id, hub_id, kind, value, event_id)
       values ($1, $2, $3, $4, $5::sensor_event_kind, $6, $7)`,
      [time, ORG, i % 5 === 0 ? OTHER_RESIDENT : RESIDENT, HUB, kind, value, `e${i}`],
    );
  }
}

const window = {
  orgId: ORG,
  residentId: RESIDENT,
  from: new Date('2026-11-19T00:00:00Z'),
  to: new Date('2026-11-22T00:00:00Z'),
};

describe('TimescaleDB path (PGlite with TimescaleDB 2.23) and plain PostgreSQL path', () => {
  let timescale: Awaited<ReturnType<typeof createTimescalePglite>>;
  let plain: Awaited<ReturnType<typeof createEmptyDatabase>>;
  let plainSql: import('postgres').Sql;

  beforeAll(async () => {
    timescale = await createTimescalePglite();
    plain = await createEmptyDatabase();
    const postgres = (await import('postgres')).default;
    plainSql = postgres(plain.url, { max: 1, onnotice: () => {} });
  });
  afterAll(async () => {
    await timescale.close();
    await plainSql.end();
    await plain.drop();
  });

  test('migrations make sensor_events a hypertable with compression, retention and an hourly continuous aggregate', async () => {
    const result = await migrate(timescale.target);
    expect(result.timescale).toBe(true);
    expect((await migrate(timescale.target)).applied).toEqual([]);

    const [hypertable] = await timescale.execute(
      `select compression_enabled from timescaledb_information.hypertables where hypertable_name = 'sensor_events'`,
    );
    expect(hypertable?.compression_enabled).toBe(true);
    const jobs = await timescale.execute(
      `select proc_name, hypertable_name from timescaledb_information.jobs where proc_name in
        ('policy_compression', 'policy_retention', 'policy_refresh_continuous_aggregate') order by proc_name`,
    );
    expect(jobs.map((job) => job.proc_name)).toEqual([
      'policy_compression',
      'policy_refresh_continuous_aggregate',
      'policy_retention',
    ]);
    const [aggregate] = await timescale.execute(
      `select materialized_only from timescaledb_information.continuous_aggregates where view_name = 'resident_activity_hourly'`,
    );
    expect(aggregate?.materialized_only).toBe(false);
  });

  test('the hourly activity query answers identically on both paths, before and after materialisation', async () => {
    await migrate(postgresMigrationTarget(plainSql));
    const plainExecute: Execute = (statement, params) => plainSql.unsafe(statement, params as string[]);
    await seed(timescale.execute);
    await seed(plainExecute);

    const fromPlain = await hourlyActivity(plainExecute, window);
    const fromTimescale = await hourlyActivity(timescale.execute, window);
    expect(fromPlain.length).toBeGreaterThan(20);
    expect(fromTimescale).toEqual(fromPlain);
    expect(fromPlain.reduce((sum, row) => sum + row.events, 0)).toBe(96);

    // Materialise part of the range; real-time aggregation must still give the same answer.
    await timescale.execute(
      `call refresh_continuous_aggregate('resident_activity_hourly', '2026-11-20T00:00:00Z', '2026-11-20T12:00:00Z')`,
    );
    expect(await hourlyActivity(timescale.execute, window)).toEqual(fromPlain);
  });
});
