import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{functions,realtime,db,infra}/**/*.test.ts'],
    exclude: [...configDefaults.exclude],
    globalSetup: ['./db/testing/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // CI re-runs a failed test once. Camera end-to-end tests have failed intermittently and are listed for
    // investigation (the resume-after-reconnect failure was uWS dropping fresh sockets, fixed in realtime/node.ts);
    // a retry re-runs every assertion, so a real regression still fails twice and fails CI.
    retry: process.env.CI ? 1 : 0,
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]] : ['default'],
  },
});
