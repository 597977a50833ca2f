import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{functions,realtime,db,infra}/**/*.test.ts'],
    exclude: [...configDefaults.exclude],
    globalSetup: ['./db/testing/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // CI re-runs a failed test once. Several end-to-end tests (camera forwarding, a resume after reconnect) have
    // failed intermittently (about 1 full run in 4, each time a different one) and are listed for investigation;
    // a retry re-runs every assertion, so a real regression still fails twice and fails CI.
    retry: process.env.CI ? 1 : 0,
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]] : ['default'],
  },
});
