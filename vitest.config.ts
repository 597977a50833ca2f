import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{core,functions,realtime,db,infra}/**/*.test.ts'],
    exclude: [...configDefaults.exclude],
    globalSetup: ['./db/testing/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // No retries, in CI or not: these tests guard the alert path, so a test that passes only when re-run fails CI;
    // an intermittent failure is a race in the product or in the test's waiting, and gets found, not retried.
    retry: 0,
    // expect.poll waits on a condition; vitest gives up after 1 s by default, shorter than a loaded machine needs
    // for a few transactions (four acks took 1.06 s here: the intermittent "expected 3 to be +0" in the resume
    // test). 10 s, like TestDashboard.next: a condition that holds still returns at its first poll.
    expect: { poll: { timeout: 10_000 } },
    reporters: process.env.CI ? ['default', ['json', { outputFile: 'test-results/vitest.json' }]] : ['default'],
  },
});
