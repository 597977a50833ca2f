import { sql as drizzleSql } from 'drizzle-orm';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../db/testing/database';
import { isDatabaseUnavailable, isDataError } from './postgres-errors';

/** The error classes the API maps (503 vs per-event rejection), on errors a real PostgreSQL raises. */
describe('postgres error classes', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database.drop());

  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => expect.unreachable(),
      (error: unknown) => error,
    );

  test('a statement timeout is "unavailable" (503), not a data error', async () => {
    const impatient = postgres(database.url, { max: 1, onnotice: () => {}, connection: { statement_timeout: 50 } });
    const error = await failure(impatient`select pg_sleep(5)`);
    await impatient.end();
    expect((error as { code: string }).code).toBe('57014');
    expect(isDatabaseUnavailable(error)).toBe(true);
    expect(isDataError(error)).toBe(false);
  });

  test('a NUL or a lone surrogate in jsonb is a data error, also when drizzle wraps it', async () => {
    const nul = await failure(database.sql`select ${'{"a":"\\u0000"}'}::text::jsonb`);
    const surrogate = await failure(database.db.execute(drizzleSql`select ${'{"a":"\\udc00"}'}::text::jsonb`));
    for (const error of [nul, surrogate]) {
      expect(isDataError(error)).toBe(true);
      expect(isDatabaseUnavailable(error)).toBe(false);
    }
  });

  test('PostgreSQL refusing a query through drizzle (which attaches the query too), or a bug of ours, is not "unavailable"', async () => {
    const refused = await failure(database.db.execute(drizzleSql`select 1 / 0`));
    expect((refused as { cause?: { code?: string } }).cause?.code).toBe('22012');
    expect(isDatabaseUnavailable(refused)).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('x is undefined'))).toBe(false);
    expect(isDataError(new TypeError('x is undefined'))).toBe(false);
  });

  test('a refused connection is "unavailable"', async () => {
    const nowhere = postgres('postgres://carewatch:x@127.0.0.1:1/carewatch', { max: 1, connect_timeout: 2 });
    const error = await failure(nowhere`select 1`);
    await nowhere.end();
    expect(isDatabaseUnavailable(error)).toBe(true);
  });
});
