import { drizzle } from 'drizzle-orm/postgres-js';
import postgres from 'postgres';
import type { MigrationTarget } from './migrate';
import * as schema from './schema';

export type Sql = postgres.Sql;
export type Database = ReturnType<typeof createDatabase>['db'];
/** The `tx` of `db.transaction((tx) => …)`. */
export type DatabaseTransaction = Parameters<Parameters<Database['transaction']>[0]>[0];

export interface DatabaseOptions {
  /** Pool size: a long-lived Node process keeps a pool; a Worker request opens a few and ends them. */
  max?: number;
  /** Application name shown in pg_stat_activity. */
  applicationName?: string;
  /** Seconds an idle connection is kept. */
  idleTimeout?: number;
  /** Seconds to open a connection (TCP, TLS, authentication) before the query fails; default 10. */
  connectTimeout?: number;
  /** Server-side statement_timeout in milliseconds; default none. */
  statementTimeoutMs?: number;
  /**
   * Longest wait, in seconds, before reconnecting after failed connections. postgres.js backs off up to 20 s, so
   * during an outage every query would first sit out that wait; default: its own backoff.
   */
  maxReconnectDelay?: number;
  /**
   * Every statement of the pool runs on PostgreSQL's generic plan (`plan_cache_mode`). For a pool whose statements
   * all look rows up by id (the channel sender's): those taking an array of ids are otherwise planned again on every
   * execution (see `withGenericPlan`), and their planning cost more than their run.
   */
  genericPlans?: boolean;
}

/**
 * For pools that answer requests (the functions API): with the database down or unreachable a query fails within
 * about 2 s (reconnect wait + connect timeout), so the request is answered 503 + Retry-After instead of hanging;
 * a statement that runs longer than 5 s is cancelled (also 503). Well above a 1,000-event batch with its rules,
 * so a batch never times out every time it is re-sent.
 */
export const failFastTimeouts = {
  connectTimeout: 1.5,
  statementTimeoutMs: 5_000,
  maxReconnectDelay: 0.25,
} as const satisfies DatabaseOptions;

/**
 * A raw postgres.js client for hand-written SQL and a drizzle instance for typed queries.
 * They are two clients on purpose: drizzle replaces its client's date and json serializers with pass-throughs,
 * which would make `sql\`… ${new Date()}\`` fail on a shared client. Connections open lazily, so the second pool
 * costs nothing until drizzle is used. Call `close()` to end both.
 */
export function createDatabase(url: string, options: DatabaseOptions = {}) {
  const maxDelay = options.maxReconnectDelay;
  const clientOptions = {
    max: options.max ?? 10,
    idle_timeout: options.idleTimeout ?? 30,
    connect_timeout: options.connectTimeout ?? 10,
    onnotice: () => {},
    connection: {
      application_name: options.applicationName ?? 'carewatch',
      ...(options.statementTimeoutMs === undefined ? {} : { statement_timeout: options.statementTimeoutMs }),
      ...(options.genericPlans ? { plan_cache_mode: 'force_generic_plan' } : {}),
    },
    // postgres.js's own backoff (jittered 3^retries / 100 s), capped.
    ...(maxDelay === undefined
      ? {}
      : { backoff: (retries: number) => (0.5 + Math.random() / 2) * Math.min(3 ** retries / 100, maxDelay) }),
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
