import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postgresMigrationTarget } from '../client';
import { type Execute, migrate } from '../migrate';
import { createEmptyDatabase } from '../testing/database';
import { createTimescalePglite } from '../testing/pglite';
import { riskFacts } from './at-risk';
import { hasTimescale, residentTimeline } from './timeline';

const ORG = '11111111-1111-4111-8111-111111111111';
const KIM = '22222222-2222-4222-8222-222222222222';
const LEE = '33333333-3333-4333-8333-333333333333';
const HUB = '44444444-4444-4444-8444-444444444444';
const NOW = new Date('2026-11-21T06:30:00Z');

/** Identical rows for both databases: nine days of activity for Kim, a quiet last day for Lee, vitals, alerts. */
async function seed(execute: Execute) {
  await execute(`insert into organisations (id, name, settings) values ($1, 'Org', '{"hubOfflineMinutes": 30}')`, [
    ORG,
  ]);
  await execute(
    `insert into residents (id, org_id, name, last_activity_at) values ($1, $3, 'Kim', $4), ($2, $3, 'Lee', $5)`,
    [KIM, LEE, ORG, '2026-11-21T06:00:00Z', '2026-11-20T01:00:00Z'],
  );
  await execute(
    `insert into hubs (id, org_id, resident_id, name, api_key_prefix, api_key_hash, last_seen_at)
     values ($1, $2, $3, 'Hub', 'cwh_x', 'hash', $4)`,
    [HUB, ORG, LEE, '2026-11-21T04:00:00Z'],
  );
  const start = Date.parse('2026-11-12T00:00:00Z');
  for (let i = 0; i < 300; i++) {
    const time = new Date(start + i * 43 * 60_000 + (i % 4) * 7_919).toISOString();
    const resident = i % 3 === 0 && time < '2026-11-20' ? LEE : KIM;
    const kind = i % 5 === 0 ? 'heart_rate' : i % 7 === 0 ? 'door_open' : 'activity';
    const value = kind === 'heart_rate' ? 55 + (i % 50) : null;
    await execute(
      `insert into sensor_events (time, org_id, resident_id, hub_id, kind, value, event_id)
       values ($1, $2, $3, $4, $5::sensor_event_kind, $6, $7)`,
      [time, ORG, resident, HUB, kind, value, `e${i}`],
    );
  }
  const alerts = [
    [KIM, 'sos', 'critical', 'open', '2026-11-21T05:10:00Z'],
    [KIM, 'heart_rate', 'high', 'resolved', '2026-11-18T11:59:59Z'],
    [LEE, 'no_activity', 'medium', 'open', '2026-11-20T13:00:00Z'],
  ];
  for (const [index, [resident, kind, severity, status, opened]] of alerts.entries()) {
    await execute(
      `insert into alerts (id, org_id, resident_id, kind, severity, status, dedup_key, title, opened_at)
       values ($1, $2, $3, $4::alert_kind, $5::alert_severity, $6::alert_status, $7, $8, $9)`,
      [
        `aaaaaaaa-aaaa-4aaa-8aaa-00000000000${index}`,
        ORG,
        resident,
        kind,
        severity,
        status,
        `${resident}:${kind}:${opened}`,
        kind,
        opened,
      ],
    );
  }
}

describe('timeline and at-risk answer identically on TimescaleDB (PGlite) and plain PostgreSQL', () => {
  let timescale: Awaited<ReturnType<typeof createTimescalePglite>>;
  let plain: Awaited<ReturnType<typeof createEmptyDatabase>>;
  let plainSql: postgres.Sql;
  let plainExecute: Execute;

  beforeAll(async () => {
    timescale = await createTimescalePglite();
    plain = await createEmptyDatabase();
    plainSql = postgres(plain.url, { max: 1, onnotice: () => {} });
    plainExecute = (statement, params) => plainSql.unsafe(statement, (params ?? []) as never[]);
    await migrate(timescale.target);
    await migrate(postgresMigrationTarget(plainSql));
    await seed(timescale.execute);
    await seed(plainExecute);
  });
  afterAll(async () => {
    await timescale.close();
    await plainSql.end();
    await plain.drop();
  });

  test.each([
    ['15m over a day', 900, '2026-11-20T00:00:00Z', '2026-11-21T00:00:00Z'],
    ['1h over three days', 3600, '2026-11-18T00:00:00Z', '2026-11-21T06:00:00Z'],
    ['6h over nine days', 21_600, '2026-11-12T00:00:00Z', '2026-11-21T12:00:00Z'],
    ['1d over nine days', 86_400, '2026-11-12T00:00:00Z', '2026-11-22T00:00:00Z'],
  ])('timeline, %s: time_bucket and date_bin agree', async (_name, bucketSeconds, from, to) => {
    expect(await hasTimescale(timescale.execute)).toBe(true);
    expect(await hasTimescale(plainExecute)).toBe(false);
    const params = { orgId: ORG, residentId: KIM, from: new Date(from), to: new Date(to), bucketSeconds };
    const onPlain = await residentTimeline(plainExecute, { ...params, timescale: false });
    const onTimescale = await residentTimeline(timescale.execute, { ...params, timescale: true });
    expect(onPlain.length).toBeGreaterThan(1);
    expect(onTimescale).toEqual(onPlain);
  });

  test('at-risk facts agree, before and after the continuous aggregate is materialised', async () => {
    const params = { orgId: ORG, residentIds: [KIM, LEE], now: NOW };
    const onPlain = await riskFacts(plainExecute, params);
    expect(onPlain).toHaveLength(2);
    const lee = onPlain.find((facts) => facts.residentId === LEE);
    expect(lee).toMatchObject({ activityLast24h: 0, hubOffline: true, openAlerts: 1 });
    expect(lee?.baselinePerDay).toBeGreaterThan(1);
    expect(await riskFacts(timescale.execute, params)).toEqual(onPlain);
    await timescale.execute(
      `call refresh_continuous_aggregate('resident_activity_hourly', '2026-11-12T00:00:00Z', '2026-11-20T00:00:00Z')`,
    );
    expect(await riskFacts(timescale.execute, params)).toEqual(onPlain);
  });
});
