import { readFileSync } from 'node:fs';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { postgresMigrationTarget } from './client';
import { migrate } from './migrate';
import { createEmptyDatabase } from './testing/database';

/** Every migration drizzle-kit generated, in order (the journal is the source of truth, not this test). */
const journal = JSON.parse(readFileSync(new URL('./migrations/meta/_journal.json', import.meta.url), 'utf8')) as {
  entries: { tag: string }[];
};
const allMigrations = journal.entries.map((entry) => entry.tag);

describe('migration runner on real PostgreSQL', () => {
  let database: Awaited<ReturnType<typeof createEmptyDatabase>>;
  let sql: postgres.Sql;

  beforeAll(async () => {
    database = await createEmptyDatabase();
    sql = postgres(database.url, { max: 4, onnotice: () => {} });
  });
  afterAll(async () => {
    await sql.end();
    await database.drop();
  });

  test('applies every migration to an empty database, concurrently started runners included', async () => {
    const results = await Promise.all([migrate(postgresMigrationTarget(sql)), migrate(postgresMigrationTarget(sql))]);
    const applied = results.flatMap((result) => result.applied);
    expect(applied).toEqual(allMigrations);
    expect(allMigrations.slice(0, 2)).toEqual(['0000_initial_schema', '0001_time_series_hypertable_or_plain']);
    expect(results.every((result) => result.timescale === false)).toBe(true);

    const tables = await sql<{ table_name: string }[]>`
      select table_name from information_schema.tables where table_schema = 'public' order by table_name`;
    expect(tables.map((row) => row.table_name)).toEqual(
      expect.arrayContaining([
        'alert_deliveries',
        'alert_delivery_history',
        'alerts',
        'assignments',
        'audit_log',
        'cameras',
        'devices',
        'escalation_policies',
        'hubs',
        'organisations',
        'refresh_tokens',
        'residents',
        'sensor_events',
        'staff',
        'resident_activity_hourly',
      ]),
    );
  });

  test('re-running is a no-op and records each migration once', async () => {
    const again = await migrate(postgresMigrationTarget(sql));
    expect(again.applied).toEqual([]);
    const [row] = await sql<{ count: number }[]>`select count(*)::int as count from drizzle.__drizzle_migrations`;
    expect(row?.count).toBe(allMigrations.length);
  });

  test('plain PostgreSQL gets a BRIN index on sensor_events.time and an ordinary activity view', async () => {
    const [brin] = await sql`select indexdef from pg_indexes where indexname = 'sensor_events_time_brin'`;
    expect(brin?.indexdef).toContain('USING brin');
    const [view] =
      await sql`select table_type from information_schema.tables where table_name = 'resident_activity_hourly'`;
    expect(view?.table_type).toBe('VIEW');
  });
});
