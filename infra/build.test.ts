import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import webPush from 'web-push';
import { createEmptyDatabase } from '../db/testing/database';
import { TEST_JWT_SECRET } from './testing/functions';

const run = promisify(execFile);
// Inside the project so the bundles resolve node_modules exactly as they do in the image (/app/dist → /app/node_modules).
const outdir = join('node_modules', '.cache', `carewatch-dist-${process.pid}`);

/** Starts a bundle with plain `node` (what the image's CMD runs) and waits for its "listening" log line. */
function startBundle(
  file: string,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; url: string; output: () => string }> {
  const child = spawn(process.execPath, ['--enable-source-maps', join(outdir, file)], {
    env: { PATH: process.env.PATH ?? '', LOG_LEVEL: 'info', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const url = /"url":"(http:\/\/[^"]+)"/.exec(output)?.[1];
      if (url) resolve({ child, url, output: () => output });
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`${file} exited with ${code}:\n${output}`)));
  });
}

async function stop(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

describe('production bundles (npm run build → what the container images run, without tsx)', () => {
  let database: Awaited<ReturnType<typeof createEmptyDatabase>>;
  beforeAll(async () => {
    await run(process.execPath, ['--import', 'tsx', 'infra/build.ts', outdir]);
    database = await createEmptyDatabase();
  }, 120_000);
  afterAll(async () => {
    await database?.drop();
    rmSync(outdir, { recursive: true, force: true });
  });

  test('the bundles import only node built-ins and production dependencies (what npm ci --omit=dev installs)', () => {
    const { dependencies } = JSON.parse(readFileSync('package.json', 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const imported = new Set<string>();
    for (const file of readdirSync(outdir).filter((name) => name.endsWith('.mjs'))) {
      const code = readFileSync(join(outdir, file), 'utf8');
      const statements = code.matchAll(/^import\s+(?:[^'";]+?\s+from\s+)?["']([^"']+)["']/gm);
      const dynamic = code.matchAll(/\bimport\(\s*["']([^"']+)["']\s*\)/g);
      for (const match of [...statements, ...dynamic]) {
        if (/^[./]/.test(match[1] ?? '.')) continue;
        const specifier = match[1] ?? '';
        if (specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
        imported.add(
          specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] ?? ''),
        );
      }
    }
    expect(imported.size).toBeGreaterThan(3);
    expect([...imported].filter((name) => !(name in dependencies))).toEqual([]);
  });

  test('the migrate bundle applies every migration to an empty database, then finds it up to date', async () => {
    const env = { PATH: process.env.PATH ?? '', DATABASE_URL: database.url };
    const first = await run(process.execPath, [join(outdir, 'migrate.mjs')], { env });
    expect(first.stdout).toMatch(/^applied 0000_initial_schema, /);
    const second = await run(process.execPath, [join(outdir, 'migrate.mjs')], { env });
    expect(second.stdout).toMatch(/^up to date/);
  });

  test('the functions and realtime bundles start, answer health against the database, and stop on SIGTERM', async () => {
    const env = { DATABASE_URL: database.url, JWT_SECRET: TEST_JWT_SECRET };
    const functions = await startBundle('functions.mjs', { ...env, PORT: '0' });
    const vapid = webPush.generateVAPIDKeys();
    const realtime = await startBundle('realtime.mjs', {
      ...env,
      REALTIME_PORT: '0',
      VAPID_PUBLIC_KEY: vapid.publicKey,
      VAPID_PRIVATE_KEY: vapid.privateKey,
      INTEGRATION_SIGNING_KEY: 'build-test-integration-signing-key-0123456789',
    });
    try {
      for (const [service, url] of [
        ['functions', functions.url],
        ['realtime', realtime.url],
      ]) {
        const response = await fetch(`${url}/healthz`);
        expect(response.status).toBe(200);
        expect(await response.json()).toMatchObject({ status: 'ok', service, database: { ok: true } });
      }
      // The channel sender runs on a worker thread loaded from next to the bundle (dist/channel-thread.mjs).
      await expect
        .poll(realtime.output, { timeout: 10_000 })
        .toMatch(/"message":"channel sender started".*"channels":\["push","webhook"\]/);
      // …at nice 10 (its own thread only): dashboard frames on the main thread go first on a busy machine.
      const nices = readdirSync(`/proc/${realtime.child.pid}/task`).map((task) => {
        const stat = readFileSync(`/proc/${realtime.child.pid}/task/${task}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      });
      expect(nices).toContain(10);
      expect(nices.filter((nice) => nice === 0).length).toBeGreaterThan(1);
    } finally {
      expect(await stop(functions.child)).toBe(0);
      expect(await stop(realtime.child)).toBe(0);
    }
  });

  test("the REST bridge bundle (compose's redis-http) serves the Upstash protocol over the machine's Redis", async () => {
    const token = `build-test-token-${process.pid}`;
    const child = spawn(process.execPath, ['--enable-source-maps', join(outdir, 'redis-rest-bridge.mjs')], {
      env: {
        PATH: process.env.PATH ?? '',
        REDIS_REST_TOKEN: token,
        REDIS_REST_HOST: '127.0.0.1',
        REDIS_REST_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    try {
      const port = await new Promise<number>((resolve, reject) => {
        let output = '';
        child.stdout?.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const listening = /"message":"redis REST bridge listening".*"port":(\d+)/.exec(output);
          if (listening) resolve(Number(listening[1]));
        });
        child.once('exit', (code) => reject(new Error(`the bridge exited with ${code}: ${output}`)));
      });
      const response = await fetch(`http://127.0.0.1:${port}/`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
        body: JSON.stringify(['EVAL', '#!lua flags=allow-key-locking\nreturn 7', '0']),
      });
      expect(await response.json()).toEqual({ result: 7 });
    } finally {
      expect(await stop(child)).toBe(0);
    }
  });
});
