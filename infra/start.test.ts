import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { freeLoopbackPort } from '../db/embedded';

const dataDir = mkdtempSync(join(tmpdir(), 'carewatch-start-'));
// Under root the server runs as the postgres user, which must be able to reach the cluster directory.
chmodSync(dataDir, 0o755);
// Ports the OS reports free: random picks in 40000–50000 (inside Linux's ephemeral range) could land on a port
// another test's outgoing connection was using, and one service then never answered.
let ports = { pg: 0, functions: 0, realtime: 0 };

const started: ChildProcess[] = [];

function start(extraEnv: NodeJS.ProcessEnv = {}): { child: ChildProcess; output: () => string; ready: Promise<void> } {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    CAREWATCH_DATA_DIR: dataDir,
    EMBEDDED_PG_PORT: String(ports.pg),
    PORT: String(ports.functions),
    REALTIME_PORT: String(ports.realtime),
    LOG_LEVEL: 'warn',
    ...extraEnv,
  };
  delete env.DATABASE_URL;
  delete env.JWT_SECRET;
  const child = spawn('npm', ['start', '--silent', '--', '--demo'], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  started.push(child);
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('ready in')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
  });
  return { child, output: () => output, ready };
}

/** Like Ctrl-C in a terminal: SIGINT to the whole process group (npm, tsx, node and postgres). */
async function interrupt(child: ChildProcess, postgresPid: number) {
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  process.kill(-(child.pid ?? 0), 'SIGINT');
  await exited;
  for (let waited = 0; waited < 100 && (alive(postgresPid) || groupAlive(child)); waited++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function groupAlive(child: ChildProcess): boolean {
  try {
    process.kill(-(child.pid ?? 0), 0);
    return true;
  } catch {
    return false;
  }
}

/** The first of `count` consecutive loopback ports that are free now. */
async function consecutiveFreePorts(count: number): Promise<number> {
  for (;;) {
    const first = await freeLoopbackPort();
    const free = await Promise.all(Array.from({ length: count - 1 }, (_, index) => portFree(first + index + 1)));
    if (free.every(Boolean)) return first;
  }
}

function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

function postmasterPid(): number | undefined {
  const file = join(dataDir, 'postgres', 'postmaster.pid');
  if (!existsSync(file)) return undefined;
  return Number(readFileSync(file, 'utf8').split('\n')[0]);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('npm start (embedded PostgreSQL, both services)', () => {
  beforeAll(async () => {
    const picked = new Set<number>();
    while (picked.size < 3) picked.add(await freeLoopbackPort());
    const [pg = 0, functions = 0, realtime = 0] = [...picked];
    ports = { pg, functions, realtime };
  });
  afterEach(() => {
    // A failed attempt must not leave npm start (and its PostgreSQL) running for the retry or the next test.
    for (const child of started.splice(0)) if (groupAlive(child)) process.kill(-(child.pid ?? 0), 'SIGKILL');
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test('comes up, answers health on both services, stops cleanly, and keeps data across restarts', async () => {
    const first = start();
    await first.ready;
    const pid = postmasterPid();
    expect(pid).toBeGreaterThan(0);
    for (const port of [ports.functions, ports.realtime]) {
      const response = await fetch(`http://127.0.0.1:${port}/healthz`).catch((error: Error) => {
        throw new Error(
          `port ${port} (${JSON.stringify(ports)}): ${error.message}; npm start said:\n${first.output()}`,
        );
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ status: 'ok', database: { ok: true } });
    }
    expect(first.output()).toContain('demo organisation    created');
    // The console without nginx: served by the functions app, told where the realtime node's WebSocket is.
    const index = await fetch(`http://127.0.0.1:${ports.functions}/`);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('id="app"');
    expect((await fetch(`http://127.0.0.1:${ports.functions}/assets/main.js`)).headers.get('content-type')).toMatch(
      /javascript/,
    );
    // Installable: the manifest typed for browsers, the service worker revalidated on every load, the icons.
    const manifest = await fetch(`http://127.0.0.1:${ports.functions}/manifest.webmanifest`);
    expect(manifest.headers.get('content-type')).toBe('application/manifest+json');
    expect(manifest.headers.get('cache-control')).toBe('no-cache');
    const worker = await fetch(`http://127.0.0.1:${ports.functions}/sw.js`);
    expect(worker.headers.get('content-type')).toMatch(/javascript/);
    expect(worker.headers.get('cache-control')).toBe('no-cache');
    expect((await fetch(`http://127.0.0.1:${ports.functions}/icons/icon-192.png`)).headers.get('content-type')).toBe(
      'image/png',
    );
    const consoleConfig = await fetch(`http://127.0.0.1:${ports.functions}/config.json`);
    expect(await consoleConfig.json()).toEqual({ wsUrl: `ws://127.0.0.1:${ports.realtime}/ws` });
    console.log(first.output().match(/ready in \d+ ms/)?.[0]);

    await interrupt(first.child, pid ?? 0);
    expect(alive(pid ?? 0)).toBe(false);
    expect(groupAlive(first.child)).toBe(false);
    expect(postmasterPid()).toBeUndefined();

    const second = start();
    await second.ready;
    expect(second.output()).toContain('migrations           up to date');
    expect(second.output()).toContain('demo organisation    already present');
    await interrupt(second.child, postmasterPid() ?? 0);
    expect(groupAlive(second.child)).toBe(false);
  }, 90_000);

  test('REALTIME_NODES=2 runs two realtime node processes on consecutive ports, and Ctrl-C stops them too', async () => {
    const base = await consecutiveFreePorts(2);
    const run = start({ REALTIME_NODES: '2', REALTIME_PORT: String(base) });
    await run.ready;
    const nodeIds = new Set<string>();
    for (const port of [base, base + 1]) {
      expect(run.output()).toContain(`realtime node        http://127.0.0.1:${port}`);
      const response = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(response.status).toBe(200);
      nodeIds.add(((await response.json()) as { nodeId: string }).nodeId);
    }
    expect(nodeIds.size).toBe(2);
    expect(run.output()).toContain('REALTIME_NODES=2 npm run nginx');
    await interrupt(run.child, postmasterPid() ?? 0);
    // The nodes drain (up to a few seconds under load) after their parent has gone.
    await expect.poll(() => groupAlive(run.child), { timeout: 20_000, interval: 100 }).toBe(false);
  }, 90_000);
});
