// `npm run test:e2e`: only the browser end-to-end suite (infra/e2e), on the same database setup as `npm test`.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['infra/e2e/**/*.test.ts'],
    globalSetup: ['./db/testing/global-setup.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    retry: 0,
    // As in vitest.config.ts: a condition that holds returns at once; a loaded machine gets 10 s, not 1.
    expect: { poll: { timeout: 10_000 } },
  },
});
