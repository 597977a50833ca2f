import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/database';
import { unhandledRejectionVerdict } from '../db/unhandled-rejection';
import { TEST_JWT_SECRET } from '../infra/testing/functions';

// A realtime node process (realtime/main.ts as deployed) given a rejection nobody handles. The rejection is made
// by a preloaded script on SIGUSR2, as postgres.js makes one for itself when a connection dies at the wrong moment.

let database: TestDatabase;
let folder: string;
let preload: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  folder = mkdtempSync(join(tmpdir(), 'carewatch-rejection-'));
  preload = join(folder, 'reject-on-signal.mjs');
  writeFileSync(
    preload,
    `process.on('SIGUSR2', () => {
       const error = Object.assign(new Error('write CONNECTION_CLOSED 127.0.0.1:5432'), { code: process.env.REJECT_WITH_CODE });
       Promise.reject(error);
     });\n`,
  );
});

afterAll(async () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  rmSync(folder, { recursive: true, force: true });
  await database?.drop();
});

async function startNode(code: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', '--import', preload, 'realtime/main.ts'], {
    env: {
      ...process.env,
      DATABASE_URL: database.url,
      JWT_SECRET: TEST_JWT_SECRET,
      REALTIME_PORT: '0',
      HOST: '127.0.0.1',
      NODE_ID: `rejection-${code}`,
      LOG_LEVEL: 'error',
      REJECT_WITH_CODE: code,
    },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  children.push(child);
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (exitCode) => resolve(exitCode)));
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (exitCode) => reject(new Error(`node exited with ${exitCode}: ${stderr}`)));
    child.on('message', (message: { type?: string; url?: string }) => {
      if (message.type === 'listening' && message.url) resolve(message.url);
    });
  });
  child.disconnect();
  return { child, url, exited, stderr: () => stderr };
}

const logged = (stderr: string) =>
  stderr
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as { message: string; code?: string; error?: string });

describe('a promise rejection nobody handles, in a realtime node process', () => {
  test('from a lost database connection: logged with its code, and the node goes on serving', async () => {
    const node = await startNode('CONNECTION_CLOSED');
    node.child.kill('SIGUSR2');
    await expect
      .poll(() => logged(node.stderr()).map((entry) => [entry.message, entry.code]), { timeout: 10_000 })
      .toContainEqual(['unhandled rejection from a lost database connection; continuing', 'CONNECTION_CLOSED']);
    const health = await fetch(`${node.url}/healthz`);
    expect(health.status).toBe(200);
    expect(node.child.exitCode).toBeNull();
  }, 30_000);

  test('anything else: logged, and the process exits 1 for its supervisor to restart', async () => {
    const node = await startNode('');
    node.child.kill('SIGUSR2');
    expect(await node.exited).toBe(1);
    expect(logged(node.stderr()).map((entry) => [entry.message, entry.error])).toContainEqual([
      'unhandled rejection; exiting',
      'write CONNECTION_CLOSED 127.0.0.1:5432',
    ]);
  }, 30_000);
});

describe('the verdict', () => {
  test('a query cut off by its connection closing is a connection loss, and the log names its SQL', async () => {
    const { default: postgres } = await import('postgres');
    const sql = postgres(database.url, { max: 1, onnotice: () => {} });
    const query = sql`select pg_sleep(10) as slept`;
    const failed = query.then(
      () => null,
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    await sql.end({ timeout: 0 });
    const error = await failed;
    expect((error as { code?: string }).code).toMatch(/^CONNECTION_/);
    const verdict = unhandledRejectionVerdict(error, query);
    expect(verdict.action).toBe('continue');
    expect(verdict.fields.query).toBe('select pg_sleep(10) as slept');
    expect(unhandledRejectionVerdict(new TypeError('x is undefined'), Promise.resolve()).action).toBe('exit');
    expect(unhandledRejectionVerdict(undefined, Promise.resolve()).action).toBe('exit');
    // A socket error is the database's only when the promise is a query: a push service's reset is a defect to see.
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(unhandledRejectionVerdict(reset, Promise.resolve()).action).toBe('exit');
    expect(unhandledRejectionVerdict(reset, query).action).toBe('continue');
  });

  test('a backend terminated under a query is a connection loss, as is 57P01; a division by zero is not', async () => {
    const { default: postgres } = await import('postgres');
    const victim = postgres(database.url, { max: 1, onnotice: () => {} });
    const admin = postgres(database.url, { max: 1, onnotice: () => {} });
    const [{ pid } = { pid: 0 }] = await victim<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const sleeping = victim`select pg_sleep(10)`.then(
      () => null,
      (error: unknown) => error,
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await admin`select pg_terminate_backend(${pid})`;
    const terminated = await sleeping;
    // postgres.js reports the FATAL that ends the backend as the connection closing.
    expect((terminated as { code?: string }).code).toMatch(/^(57P01|CONNECTION_CLOSED)$/);
    expect(unhandledRejectionVerdict(terminated, Promise.resolve()).action).toBe('continue');
    const shutdown = Object.assign(new Error('terminating connection due to administrator command'), {
      name: 'PostgresError',
      code: '57P01',
    });
    expect(unhandledRejectionVerdict(shutdown, Promise.resolve()).action).toBe('continue');
    const violation = await admin`select 1/0`.then(
      () => null,
      (error: unknown) => error,
    );
    expect(unhandledRejectionVerdict(violation, Promise.resolve()).action).toBe('exit');
    await Promise.all([victim.end({ timeout: 0 }), admin.end({ timeout: 0 })]);
  });
});
