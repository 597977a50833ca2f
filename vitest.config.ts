import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{functions,realtime,db,infra}/**/*.test.ts'],
    exclude: [...configDefaults.exclude],
    globalSetup: ['./db/testing/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // No retries, in CI or not: these tests guard the alert path, so a test that passes only when re-run fails CI;
    // an intermittent failure is a race in the product or in the test's waiting, and gets found, not retried.
    retry: 0,
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]] : ['default'],
  },
});
