import { mkdirSync, writeFileSync } from 'node:fs';
import type { Reporter, TestCase } from 'vitest/node';

/**
 * CI re-runs a failed test once (vitest.config.ts). A test that passed only on its retry is still a finding: this
 * reporter names each one on stdout and in `test-results/flaky.json`, so `.ci/run` can print them and nobody
 * mistakes a retried pass for a clean one.
 */
export default class FlakyReporter implements Reporter {
  private readonly flaky: { name: string; file: string; retries: number }[] = [];

  onTestCaseResult(testCase: TestCase): void {
    const { flaky, retryCount } = testCase.diagnostic() ?? { flaky: false, retryCount: 0 };
    if (!flaky) return;
    this.flaky.push({ name: testCase.fullName, file: testCase.module.moduleId, retries: retryCount });
  }

  onTestRunEnd(): void {
    mkdirSync('test-results', { recursive: true });
    writeFileSync('test-results/flaky.json', `${JSON.stringify(this.flaky, null, 2)}\n`);
    for (const test of this.flaky)
      console.log(`flaky (passed after ${test.retries} retry): ${test.name} — ${test.file}`);
  }
}
