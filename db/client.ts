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

/**
 * A raw postgres.js client for hand-written SQL and a drizzle instance for typed queries.
 * They are two clients on purpose: drizzle replaces its client's date and json serializers with pass-throughs,
 * which would make `sql\`… ${new Date()}\`` fail on a shared client. Connections open lazily, so the second pool
 * costs nothing until drizzle is used. Call `close()` to end both.
 */
export function createDatabase(url: string, options: DatabaseOptions = {}) {
  const clientOptions = {
    max: options.max ?? 10,
    idle_timeout: options.idleTimeout ?? 30,
    connect_timeout: 10,
    onnotice: () => {},
    connection: { application_name: options.applicationName ?? 'carewatch' },
  };
  const sql = postgres(url, {
    ...clientOptions,
    types: {
      // A string bound to a json/jsonb parameter is taken as already-serialised JSON (as drizzle's own client does),
      // so `${JSON.stringify(value)}::jsonb` and `${value}::jsonb` both store the object, never a JSON string.
      json: {
        to: 114,
        from: [114, 3802],
        serialize: (value: unknown) => (typeof value === 'string' ? value : JSON.stringify(value)),
        parse: (text: string) => JSON.parse(text) as unknown,
      },
    },
  });
  const ormClient = postgres(url, clientOptions);
  const db = drizzle(ormClient, { schema, casing: 'snake_case' });
  const close = async (timeoutSeconds = 5) => {
    await Promise.all([sql.end({ timeout: timeoutSeconds }), ormClient.end({ timeout: timeoutSeconds })]);
  };
  return { sql, db, close };
}

/** Adapts a postgres.js client to the migration runner. */
export function postgresMigrationTarget(sql: Sql): MigrationTarget {
  return {
    transaction: async (work) =>
      (await sql.begin((tx) => work((statement, params) => tx.unsafe(statement, params as never[])))) as never,
  };
}
