import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readMigrationFiles } from 'drizzle-orm/migrator';

export const migrationsFolder = fileURLToPath(new URL('./migrations', import.meta.url));

/** Runs one SQL statement (optionally with parameters) and returns its rows. */
export type Execute = (statement: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

/** Anything that can run a callback inside one transaction: postgres.js, PGlite, … */
export interface MigrationTarget {
  transaction<T>(work: (execute: Execute) => Promise<T>): Promise<T>;
}

export interface MigrationResult {
  /** Tags of the migrations this run applied (empty when the database was up to date). */
  applied: string[];
  /** Whether sensor_events is a TimescaleDB hypertable. */
  timescale: boolean;
}

// Arbitrary constant: every process that migrates takes this lock, so concurrent starts never race.
const MIGRATION_LOCK_KEY = 7_340_221;

/**
 * Applies drizzle-kit's generated migrations in one transaction, recording them in drizzle's own
 * `drizzle.__drizzle_migrations` table (so `drizzle-kit migrate` and this runner agree on what ran).
 * Unlike drizzle's migrator it works on any {@link MigrationTarget} and serialises concurrent runners.
 */
export async function migrate(target: MigrationTarget): Promise<MigrationResult> {
  const migrations = readMigrationFiles({ migrationsFolder });
  const journal = JSON.parse(readFileSync(`${migrationsFolder}/meta/_journal.json`, 'utf8')) as {
    entries: { tag: string }[];
  };
  return target.transaction(async (execute) => {
    await execute(`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    await execute('create schema if not exists drizzle');
    await execute(
      'create table if not exists drizzle.__drizzle_migrations (id serial primary key, hash text not null, created_at bigint)',
    );
    const [last] = await execute('select max(created_at)::text as created_at from drizzle.__drizzle_migrations');
    const lastApplied = last?.created_at == null ? -1 : Number(last.created_at);
    const applied: string[] = [];
    for (const [index, migration] of migrations.entries()) {
      if (migration.folderMillis <= lastApplied) continue;
      for (const statement of migration.sql) {
        if (statement.trim()) await execute(statement);
      }
      await execute('insert into drizzle.__drizzle_migrations (hash, created_at) values ($1, $2)', [
        migration.hash,
        migration.folderMillis,
      ]);
      applied.push(journal.entries[index]?.tag ?? String(migration.folderMillis));
    }
    const [hypertable] = await execute(
      `select exists (select 1 from pg_extension where extname = 'timescaledb') as installed`,
    );
    const timescale =
      hypertable?.installed === true &&
      (await execute(`select 1 from timescaledb_information.hypertables where hypertable_name = 'sensor_events'`))
        .length > 0;
    return { applied, timescale };
  });
}
