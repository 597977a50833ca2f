import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { MigrationTarget } from './migrate';
import * as schema from './schema';

export type Sql = postgres.Sql;
export type Database = ReturnType<typeof createDatabase>['db'];

export interface DatabaseOptions {
  /** Pool size: a long-lived Node process keeps a pool; a Worker request opens a few and ends them. */
  max?: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
  /** Seconds an idle connection is kept. */
  idleTimeout?: number;
}

/** One postgres.js client and the drizzle instance over it. */
export function createDatabase(url: string, options: DatabaseOptions = {}) {
  const sql = postgres(url, {
    max: options.max ?? 10,
    idle_timeout: options.idleTimeout ?? 30,
    connect_timeout: 10,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'carewatch' },
  });
  const db = drizzle(sql, { schema, casing: 'snake_case' });
  return { sql, db };
}

/** Adapts a postgres.js client to the migration runner. */
export function postgresMigrationTarget(sql: Sql): MigrationTarget {
  return {
    transaction: async (work) =>
      (await sql.begin((tx) => work((statement, params) => tx.unsafe(statement, params as never[])))) as never,
  };
}
