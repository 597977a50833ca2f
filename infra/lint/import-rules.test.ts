import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const work = mkdtempSync(join(tmpdir(), 'carewatch-import-rules-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** Runs the project's dependency-cruiser rules over a tiny tree holding the given files. */
function cruise(files: Record<string, string>): { status: number | null; output: string } {
  const tree = mkdtempSync(join(work, 'tree-'));
  cpSync(join(root, '.dependency-cruiser.cjs'), join(tree, '.dependency-cruiser.cjs'));
  writeFileSync(join(tree, 'tsconfig.json'), JSON.stringify({ compilerOptions: { module: 'esnext' } }));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(tree, path, '..'), { recursive: true });
    writeFileSync(join(tree, path), text);
  }
  const cli = join(root, 'node_modules', 'dependency-cruiser', 'bin', 'dependency-cruise.mjs');
  const run = spawnSync(process.execPath, [cli, '--config', '.dependency-cruiser.cjs', '.'], {
    cwd: tree,
    encoding: 'utf8',
  });
  return { status: run.status, output: run.stdout + run.stderr };
}

describe('import rules (npm run lint)', () => {
  test.each([
    ['realtime/node.ts', "import '../functions/app';", 'functions/app.ts', 'realtime-not-functions'],
    ['functions/app.ts', "import '../realtime/node';", 'realtime/node.ts', 'functions-not-realtime'],
    ['db/alerts/raise.ts', "import '../../core/logger';", 'core/logger.ts', 'db-is-the-bottom'],
    ['core/logger.ts', "import '../functions/env';", 'functions/env.ts', 'core-below-services'],
    ['functions/node.ts', "import '../infra/testing/stack';", 'infra/testing/stack.ts', 'product-code-not-infra'],
    ['db/queries/a.ts', "import './b';", 'db/queries/b.ts', 'no-circular'],
  ])('%s importing %s fails with %s', (importer, source, imported, rule) => {
    const importedText = rule === 'no-circular' ? "import './a';" : 'export {};';
    const result = cruise({ [importer]: `${source}\nexport {};\n`, [imported]: importedText });
    expect(result.status).not.toBe(0);
    expect(result.output).toContain(rule);
  });

  test('the allowed directions pass', () => {
    const result = cruise({
      'db/client.ts': 'export {};',
      'core/logger.ts': "import '../db/client';\nexport {};",
      'functions/app.ts': "import '../core/logger';\nimport '../db/client';\nexport {};",
      'realtime/node.ts': "import '../core/logger';\nexport {};",
      'realtime/node.test.ts': "import '../infra/testing/stack';\nexport {};",
      'infra/testing/stack.ts': "import '../../functions/app';\nimport '../../realtime/node';\nexport {};",
    });
    expect(result.output).not.toContain('error');
    expect(result.status).toBe(0);
  });
});
