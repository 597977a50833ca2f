import { createTestDatabase, type TestDatabase, type TestDatabaseOptions } from '../../db/testing/database';
import { type FunctionsConfig, parseFunctionsEnv } from '../../functions/env';
import { type RunningFunctions, startFunctions } from '../../functions/node';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-signing';
export const TEST_INTEGRATION_SIGNING_KEY = 'test-integration-signing-key-long-enough-0123456789';

/** Configuration for a test server on a random port against the given database. */
export function testConfig(databaseUrl: string, overrides: Record<string, string> = {}): FunctionsConfig {
  return parseFunctionsEnv({
    DATABASE_URL: databaseUrl,
    JWT_SECRET: TEST_JWT_SECRET,
    PORT: '0',
    LOG_LEVEL: 'warn',
    INTEGRATION_SIGNING_KEY: TEST_INTEGRATION_SIGNING_KEY,
    NODE_ENV: 'test',
    ...overrides,
  });
}

/** A real functions server over HTTP on its own migrated database. */
export async function startTestFunctions(
  overrides: Record<string, string> = {},
  databaseOptions: TestDatabaseOptions = {},
): Promise<{
  database: TestDatabase;
  server: RunningFunctions;
  stop(): Promise<void>;
}> {
  const database = await createTestDatabase(databaseOptions);
  const server = await startFunctions(testConfig(database.url, overrides));
  return {
    database,
    server,
    stop: async () => {
      await server.close();
      await database.drop();
    },
  };
}
