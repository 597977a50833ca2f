// `npm run bench:api:ab`: two builds of the API side by side, for a before/after comparison on a machine whose speed
// drifts. Both builds' `infra/bench/api-server.ts` run at once on one database (this checkout seeds it), and the
// resident profile read (as in `bench:api`) is loaded in short rounds alternating between them, so a slow spell of
// the host hits both alike. Reports each build's median throughput and the median of the per-round ratios (b / a).
// Knobs: BENCH_AB_TREES=dirA,dirB (two checkouts with node_modules; required), BENCH_AB_CACHE=configured|none,
// BENCH_AB_ROUNDS (default 30), BENCH_AB_SECONDS per round (default 3). The last stdout line is the JSON summary.
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

const trees = (process.env.BENCH_AB_TREES ?? '').split(',').filter(Boolean);
const cache = process.env.BENCH_AB_CACHE === 'none' ? 'none' : 'configured';
const rounds = Number(process.env.BENCH_AB_ROUNDS ?? 30);
const seconds = Number(process.env.BENCH_AB_SECONDS ?? 3);
const connections = 32;
const jwtSecret = 'bench-secret-that-is-long-enough-for-hs256-signing';

interface RunningBuild {
  tree: string;
  url: string;
  token: string;
  rps: number[];
}

async function startBuild(tree: string, databaseUrl: string, login: { email: string; password: string }) {
  const child = spawn(process.execPath, ['--import', 'tsx', 'infra/bench/api-server.ts', '--cache', cache], {
    cwd: tree,
    env: { ...process.env, DATABASE_URL: databaseUrl, JWT_SECRET: jwtSecret, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const first = await new Promise<string>((resolve, reject) => {
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`${tree}: bench server exited with ${code}`)));
  });
  const { url } = JSON.parse(first) as { url: string };
  const session = (await fetch(`${url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: login.email, password: login.password }),
  }).then((response) => response.json())) as { accessToken?: string };
  if (!session.accessToken) throw new Error(`${tree}: login failed`);
  return { tree, url, token: session.accessToken, rps: [] } satisfies RunningBuild;
}

async function load(build: RunningBuild, path: string, duration: number): Promise<number> {
  const result = await autocannon({
    url: `${build.url}${path}`,
    connections,
    duration,
    headers: { authorization: `Bearer ${build.token}` },
  });
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${build.tree}: errors under load`);
  return Math.round(result.requests.average);
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

if (trees.length !== 2) {
  console.error('BENCH_AB_TREES must name two checkouts, e.g. BENCH_AB_TREES=/path/to/before,/path/to/after');
  process.exit(2);
}
const dir = mkdtempSync(join(tmpdir(), 'carewatch-bench-ab-'));
const database = await startEmbeddedPostgres({ dataDir: join(dir, 'data'), port: 'any', persistent: false });
const builds: RunningBuild[] = [];
/** Every server started, killed at the end whatever happened (a failed login must not leave one running). */
const children: ChildProcess[] = [];
try {
  const { sql, db } = createDatabase(database.url, { max: 2 });
  await migrate(postgresMigrationTarget(sql));
  const org = await seedDemoOrganisation(db, { orgName: 'Bench Centre', slug: 'bench', residents: 8 });
  await sql.end();
  const admin = org.logins.find((login) => login.role === 'admin');
  const resident = org.residents[0];
  if (!admin || !resident) throw new Error('seed incomplete');
  const path = `/v1/residents/${resident.id}`;
  for (const tree of trees) builds.push(await startBuild(tree, database.url, admin));
  for (const build of builds) await load(build, path, 3); // warm-up: JIT, pool, cache
  for (let round = 0; round < rounds; round++) {
    for (const build of round % 2 === 0 ? builds : [...builds].reverse()) {
      build.rps.push(await load(build, path, seconds));
    }
    console.log(`round ${round + 1}: ${builds.map((build) => `${build.tree} ${build.rps.at(-1)} req/s`).join(', ')}`);
  }
  const [a, b] = builds;
  if (!a || !b) throw new Error('two builds expected');
  const ratios = a.rps.map((rps, index) => (b.rps[index] ?? Number.NaN) / rps);
  console.log(
    JSON.stringify({
      cache,
      rounds,
      seconds,
      a_rps: median(a.rps),
      b_rps: median(b.rps),
      ratio_median: Math.round(median(ratios) * 1000) / 1000,
    }),
  );
} finally {
  for (const child of children) child.kill('SIGTERM');
  await new Promise((resolve) => setTimeout(resolve, 500));
  await database.stop();
  rmSync(dir, { recursive: true, force: true });
}
