// `npm run bench:api`: throughput and p99 latency of GET /v1/residents/:id (the resident profile) on Node, cached
// (in-process cache, or Upstash when UPSTASH_REDIS_REST_URL/TOKEN are set) and uncached, with autocannon over
// loopback. BENCH_SECONDS (default 30) per case. The last stdout line is the JSON summary.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import autocannon from 'autocannon';
import { createDatabase, postgresMigrationTarget } from '../../db/client';
import { startEmbeddedPostgres } from '../../db/embedded';
import { migrate } from '../../db/migrate';
import { seedDemoOrganisation } from '../demo-organisation';

const seconds = Number(process.env.BENCH_SECONDS ?? 30);
const connections = Number(process.env.BENCH_CONNECTIONS ?? 32);
const jwtSecret = 'bench-secret-that-is-long-enough-for-hs256-signing';

async function database(): Promise<{ url: string; stop(): Promise<void> }> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, stop: async () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'carewatch-bench-pg-'));
  const server = await startEmbeddedPostgres({
    dataDir: join(dir, 'data'),
    port: process.env.BENCH_PG_PORT ? Number(process.env.BENCH_PG_PORT) : 'any',
    persistent: false,
  });
  return {
    url: server.url,
    stop: async () => {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function startServer(databaseUrl: string, cache: 'configured' | 'none') {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--import', 'tsx', 'infra/bench/api-server.ts', '--cache', cache],
    {
      env: { ...process.env, DATABASE_URL: databaseUrl, JWT_SECRET: jwtSecret, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
  });
  const { url, cache: kind } = JSON.parse(first) as { url: string; cache: string };
  return {
    url,
    kind,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function load(url: string, token: string, duration: number) {
  return autocannon({ url, connections, duration, headers: { authorization: `Bearer ${token}` } });
}

async function measure(
  databaseUrl: string,
  cache: 'configured' | 'none',
  path: string,
  login: { email: string; password: string },
) {
  const server = await startServer(databaseUrl, cache);
  try {
    const session = await fetch(`${server.url}/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: login.email, password: login.password }),
    }).then((response) => response.json() as Promise<{ accessToken?: string }>);
    if (!session.accessToken) throw new Error(`login failed: ${JSON.stringify(session)}`);
    const probe = await fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${session.accessToken}` } });
    if (probe.status !== 200) throw new Error(`profile answered ${probe.status}`);
    await load(`${server.url}${path}`, session.accessToken, 3); // warm-up: JIT, pool, cache
    const result = await load(`${server.url}${path}`, session.accessToken, seconds);
    if (result.non2xx > 0 || result.errors > 0) {
      throw new Error(`${result.non2xx} non-2xx answers and ${result.errors} errors under load`);
    }
    const figures = { rps: Math.round(result.requests.average), p99_ms: result.latency.p99, kind: server.kind };
    console.log(JSON.stringify({ case: cache === 'none' ? 'uncached' : 'cached', ...figures, connections, seconds }));
    return figures;
  } finally {
    await server.stop();
  }
}

const db = await database();
try {
  const { sql, db: drizzle } = createDatabase(db.url, { max: 2 });
  await migrate(postgresMigrationTarget(sql));
  const org = await seedDemoOrganisation(drizzle, { orgName: 'Bench Centre', slug: 'bench', residents: 8 });
  await sql.end();
  const resident = org.residents[0];
  const admin = org.logins.find((login) => login.role === 'admin');
  if (!resident || !admin) throw new Error('seed incomplete');
  const path = `/v1/residents/${resident.id}`;
  const cached = await measure(db.url, 'configured', path, admin);
  const uncached = await measure(db.url, 'none', path, admin);
  console.log(
    JSON.stringify({
      cached_rps: cached.rps,
      cached_p99_ms: cached.p99_ms,
      uncached_rps: uncached.rps,
      uncached_p99_ms: uncached.p99_ms,
    }),
  );
} finally {
  await db.stop();
}
