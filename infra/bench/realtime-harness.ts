// What the realtime benchmarks share (`bench:realtime`, `bench:notify`): the seeded centre, the node, the ingest
// server and the dashboard processes, each in its own process, and how a run cleans up after itself.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { issueAccessToken } from '../../core/auth/access-token';
import { hubKeyFrom } from '../../core/auth/hub-key';
import { createDatabase, postgresMigrationTarget, type Sql } from '../../db/client';
import { startEmbeddedPostgres } from '../../db/embedded';
import { migrate } from '../../db/migrate';
import { demoHubKey } from '../demo-organisation';
import type { FromClients, ToClients } from './realtime-clients';

export const JWT_SECRET = 'bench-secret-that-is-long-enough-for-hs256-signing';
export const now = () => performance.timeOrigin + performance.now();
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const benchStart = performance.now();
export const log = (message: string) =>
  console.log(`[bench +${((performance.now() - benchStart) / 1000).toFixed(1)} s] ${message}`);

/** What a run started, stopped in reverse order however it ends. */
export const cleanups: (() => Promise<void> | void)[] = [];

/** BENCH_DATABASE_URL, else an embedded PostgreSQL in a temporary directory; migrated, with a pool for the bench. */
export async function benchDatabase() {
  let databaseUrl = process.env.BENCH_DATABASE_URL;
  if (!databaseUrl) {
    const dataDir = mkdtempSync(join(tmpdir(), 'carewatch-bench-pg-'));
    const server = await startEmbeddedPostgres({ dataDir, port: 'any', database: 'bench', persistent: false });
    cleanups.unshift(async () => {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    });
    databaseUrl = server.url;
  }
  const { sql, db } = createDatabase(databaseUrl, { max: 10, applicationName: 'carewatch-bench' });
  cleanups.unshift(() => sql.end({ timeout: 5 }));
  await migrate(postgresMigrationTarget(sql));
  return { databaseUrl, sql, db };
}

/**
 * Planner statistics of a database in use, taken once the warm-up's alerts, deliveries and channel attempts exist.
 * The `vacuum analyze` after the bulk load saw none of them, and PostgreSQL plans a table it has analyzed empty as
 * empty until autoanalyze comes round (a minute or more: after the measured phase). Planned as empty, each hub batch
 * read every open alert of the organisation (the run opens thousands) and each channel claim scanned every attempt;
 * a database in use has been analyzed with rows in these tables.
 */
export async function analyzeInUse(sql: Sql): Promise<void> {
  await sql`analyze`;
}

/**
 * What an operator does after a bulk load, and what a server that has been running has done: VACUUM ANALYZE (or
 * autovacuum and autoanalyze of the fresh rows start in the middle of the measured phase), then a checkpoint, which
 * recycles the load's WAL segments into the ones the run will write. A fresh cluster has none ahead: each 16 MB
 * segment was created and zero-filled by a committing backend (wait event WalInitWrite) while every other commit
 * waited for it, 50–60 ms every few seconds of the run. CHECKPOINT needs a superuser or pg_checkpoint.
 */
export async function settleAfterBulkLoad(sql: Sql): Promise<void> {
  await sql`vacuum analyze`;
  await sql`checkpoint`.catch((error: Error) => log(`no checkpoint after the bulk load (${error.message})`));
}

/** What the dashboards of a killed node went through: when each saw its close (and with which code) and came back. */
export interface Reconnects {
  lost: number[];
  back: number[];
  failed: number;
  reasons: string[];
  /** Close codes welcomed dashboards saw, counted: 1006 from a killed node; anything else is a node closing them. */
  closeCodes: Record<string, number>;
}

export function newReconnects(): Reconnects {
  return { lost: [], back: [], failed: 0, reasons: [], closeCodes: {} };
}

/**
 * One dashboard per staff member (tokens issued here, sockets opened by `processes` client processes); each alert
 * frame's arrival is recorded in `arrivals` by resident.
 */
export async function connectDashboards(
  wsUrl: string,
  who: { orgId: string; staffIds: string[] },
  processes: number,
  arrivals: Map<string, number[]>,
) {
  const tokens = await Promise.all(
    who.staffIds.map(async (staffId) => {
      const { token } = await issueAccessToken({ staffId, orgId: who.orgId, role: 'manager' }, JWT_SECRET, 3600);
      return token;
    }),
  );
  const clients = Array.from({ length: processes }, (_, index) => spawnClients(arrivals, index));
  cleanups.unshift(() => {
    for (const client of clients) if (client.exitCode === null) client.kill('SIGKILL');
  });
  const share = Math.ceil(tokens.length / processes);
  const reports = await Promise.all(
    clients.map((client, index) => {
      const connected = once(client, 'connected');
      const slice = tokens.slice(index * share, (index + 1) * share);
      send(client, { type: 'connect', wsUrl, tokens: slice });
      return connected;
    }),
  );
  return {
    clients,
    connections: reports.reduce((sum, report) => sum + report.connected, 0),
    connectFailures: reports.reduce((sum, report) => sum + report.failed, 0),
    attemptsRetried: reports.reduce((sum, report) => sum + report.attemptsRetried, 0),
    attemptsFailed: reports.flatMap((report) => report.attemptsFailed),
    /** Closes every dashboard and waits for the client processes to say so. */
    close: async () => {
      for (const client of clients) send(client, { type: 'close' });
      await Promise.all(clients.map((client) => once(client, 'closed')));
    },
  };
}

/**
 * Dashboards of several nodes from one pool of client processes: node k's staff are dealt out over every process
 * (dashboard j of node k to process j mod `processes`), so when a node dies its dashboards' reconnects are spread
 * over all client processes, as real browsers spread them over their own machines, instead of one client process
 * carrying the whole storm. Resolves with each node's connection count, in `targets`' order.
 */
export async function connectDashboardsAcross(
  targets: { wsUrl: string; staffIds: string[]; fallbackUrls: string[] }[],
  orgId: string,
  processes: number,
  arrivals: Map<string, number[]>,
  reconnects: Reconnects,
) {
  const clients = Array.from({ length: processes }, (_, index) => spawnClients(arrivals, index));
  cleanups.unshift(() => {
    for (const client of clients) if (client.exitCode === null) client.kill('SIGKILL');
  });
  for (const client of clients) {
    client.on('message', (message: FromClients) => {
      if (message.type !== 'reconnects') return;
      reconnects.lost.push(...message.lost);
      reconnects.back.push(...message.back);
      reconnects.failed += message.failed;
      if (reconnects.reasons.length < 5) reconnects.reasons.push(...message.reasons);
      for (const [code, count] of Object.entries(message.closeCodes)) {
        reconnects.closeCodes[code] = (reconnects.closeCodes[code] ?? 0) + count;
      }
    });
  }
  const perNode: { connections: number; connectFailures: number; attemptsFailed: string[] }[] = [];
  for (const target of targets) {
    const tokens = await Promise.all(
      target.staffIds.map(
        async (staffId) => (await issueAccessToken({ staffId, orgId, role: 'manager' }, JWT_SECRET, 3600)).token,
      ),
    );
    // One node at a time, all client processes at once: each process's `connect` is answered before its next.
    const reports = await Promise.all(
      clients.map((client, index) => {
        const connected = once(client, 'connected');
        const dealt = tokens.filter((_, position) => position % processes === index);
        send(client, { type: 'connect', wsUrl: target.wsUrl, tokens: dealt, fallbackUrls: target.fallbackUrls });
        return connected;
      }),
    );
    perNode.push({
      connections: reports.reduce((sum, report) => sum + report.connected, 0),
      connectFailures: reports.reduce((sum, report) => sum + report.failed, 0),
      attemptsFailed: reports.flatMap((report) => report.attemptsFailed),
    });
  }
  return {
    perNode,
    /** Each client process's event-loop delay since the last call: p99 and max, ms. */
    loopDelays: () =>
      Promise.all(
        clients.map((client) => {
          const reported = once(client, 'loopDelay');
          send(client, { type: 'loopDelay' });
          return reported;
        }),
      ),
    close: async () => {
      for (const client of clients) send(client, { type: 'close' });
      await Promise.all(clients.map((client) => once(client, 'closed')));
    },
  };
}

/**
 * `connections` staff (managers, so a broadcast reaches all), one resident each, and one resident with nobody; every
 * resident gets a hub with an emergency button and a demo key, so alerts go in through the ingest endpoint.
 */
export async function prepare(
  sql: ReturnType<typeof createDatabase>['sql'],
  orgId: string,
  slug: string,
  connections: number,
) {
  // No escalation during the run: the ladder's first wait outlasts it.
  await sql`
    update escalation_policies set steps = jsonb_set(steps, '{0,waitSeconds}', '3600')
     where org_id = ${orgId} and severity = 'critical'`;
  const staff = await sql<{ id: string }[]>`
    insert into staff (org_id, name, email, role, password_hash)
    select ${orgId}, 'Bench ' || g, 'bench' || g || '@bench.carewatch.test', 'manager', 'not-a-login'
      from generate_series(1, ${connections}) g
    returning id`;
  const residents = await sql<{ id: string }[]>`
    insert into residents (org_id, name) select ${orgId}, 'Bench resident ' || g from generate_series(1, ${connections}) g
    returning id`;
  await sql`
    insert into assignments (org_id, staff_id, resident_id, escalation_order)
    select ${orgId}, s, r, 1 from unnest(${staff.map((row) => row.id)}::uuid[], ${residents.map((row) => row.id)}::uuid[]) as t(s, r)`;
  // A centre that has been running: two earlier, resolved emergencies per resident, each told to its carer and
  // acknowledged. The alert tables then hold rows (and, after VACUUM ANALYZE, statistics) like a live system's;
  // measured on empty ones, PostgreSQL planned the deliveries' foreign-key checks as scans of a table it took for
  // empty, and a 10,000-delivery broadcast spent seconds in them.
  await sql`
    with earlier as (
      insert into alerts (org_id, resident_id, kind, severity, dedup_key, title, status, opened_at, resolved_at)
      select ${orgId}, r, 'sos', 'critical', 'earlier:' || r || ':' || n, 'Earlier emergency', 'resolved',
             now() - interval '2 days', now() - interval '2 days'
        from unnest(${residents.map((row) => row.id)}::uuid[]) as r, generate_series(1, 2) n
      returning id, resident_id
    ), told as (
      insert into alert_deliveries (org_id, alert_id, staff_id, escalation_level, seq, state, pending_at, sent_at,
                                    delivered_at, acknowledged_at, send_count)
      select ${orgId}, e.id, a.staff_id, 0, row_number() over (partition by a.staff_id order by e.id), 'acknowledged',
             now() - interval '2 days', now() - interval '2 days', now() - interval '2 days', now() - interval '2 days', 1
        from earlier e join assignments a on a.resident_id = e.resident_id
      returning id
    )
    insert into alert_delivery_history (delivery_id, from_state, to_state, node_id)
    select id, null, 'acknowledged', 'bench-history' from told`;
  await sql`
    update staff s set delivery_seq = d.last from (
      select staff_id, max(seq) as last from alert_deliveries where org_id = ${orgId} group by staff_id
    ) d where d.staff_id = s.id`;
  const [broadcast] = await sql<{ id: string }[]>`
    insert into residents (org_id, name) values (${orgId}, 'Broadcast resident') returning id`;
  if (!broadcast) throw new Error('broadcast resident insert failed');
  const residentIds = [...residents.map((row) => row.id), broadcast.id];
  // Index 0 is the seeded resident's hub; demoHubKey keeps the keys deterministic like the demo organisation's.
  const keys = await Promise.all(residentIds.map((_, index) => hubKeyFrom(demoHubKey(slug, index + 1))));
  const hubRows = await sql<{ id: string; residentId: string }[]>`
    insert into hubs (org_id, resident_id, name, api_key_prefix, api_key_hash)
    select ${orgId}, r, 'Bench hub ' || n, p, h
      from unnest(${residentIds}::uuid[], ${keys.map((key) => key.prefix)}::text[], ${keys.map((key) => key.hash)}::text[])
           with ordinality as t(r, p, h, n)
    returning id, resident_id as "residentId"`;
  const buttons = await sql<{ id: string; hubId: string }[]>`
    insert into devices (org_id, hub_id, kind, room)
    select ${orgId}, h, 'emergency_button', 'living room' from unnest(${hubRows.map((row) => row.id)}::uuid[]) as t(h)
    returning id, hub_id as "hubId"`;
  const buttonOf = new Map(buttons.map((row) => [row.hubId, row.id]));
  const keyOf = new Map(residentIds.map((id, index) => [id, keys[index]?.key ?? '']));
  return {
    staff: staff.map((row) => row.id),
    residents: residents.map((row) => row.id),
    broadcastResident: broadcast.id,
    hubs: hubRows.map((row) => ({
      id: row.id,
      residentId: row.residentId,
      apiKey: keyOf.get(row.residentId) ?? '',
      devices: { emergency_button: buttonOf.get(row.id) ?? '' },
    })),
  };
}

/** The realtime node in its own process; `extraEnv` adds to its configuration (channels, for bench:notify). */
export async function spawnNode(
  databaseUrl: string,
  extraEnv: Record<string, string> = {},
): Promise<{ child: ChildProcess; wsUrl: string; metricsUrl: string }> {
  const env = {
    DATABASE_URL: databaseUrl,
    JWT_SECRET,
    REALTIME_PORT: '0',
    HOST: '127.0.0.1',
    NODE_ID: 'bench',
    ...extraEnv,
  };
  const { child, url } = await spawnService(['realtime/main.ts'], { ...env, LOG_LEVEL: 'info' }, (line) => {
    const entry = JSON.parse(line) as { message?: string; url?: string };
    return entry.message === 'realtime listening' ? entry.url : undefined;
  });
  return { child, wsUrl: `${url.replace('http://', 'ws://')}/ws`, metricsUrl: `${url}/metrics` };
}

export async function spawnFunctions(databaseUrl: string): Promise<{ child: ChildProcess; url: string }> {
  const env = {
    DATABASE_URL: databaseUrl,
    JWT_SECRET,
    LOG_LEVEL: 'error',
    // The bench presses thousands of buttons a second across hubs; the per-hub limit is ingest's own concern.
    INGEST_HUB_RATE_PER_SECOND: '100000',
    INGEST_HUB_BURST: '100000',
    SILENCE_CHECK_INTERVAL_MS: '0',
  };
  return spawnService(['infra/bench/api-server.ts'], env, (line) => (JSON.parse(line) as { url?: string }).url);
}

/** Starts a TypeScript entry in its own process and waits for the stdout line `urlFrom` finds its URL in. */
export async function spawnService(
  args: string[],
  env: Record<string, string>,
  urlFrom: (line: string) => string | undefined,
): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [...profileArgs(), '--import', 'tsx', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
  const url = await new Promise<string>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${args.join(' ')} exited with ${code}`)));
    lines.on('line', (line) => {
      const found = urlFrom(line);
      if (found) resolve(found);
    });
  });
  return { child, url };
}

/** With BENCH_CPU_PROFILE_DIR set, every process the bench starts writes a V8 CPU profile there when it exits. */
function profileArgs(): string[] {
  const dir = process.env.BENCH_CPU_PROFILE_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];
}

export async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/**
 * Client process `index` connects from loopback addresses of its own (see realtime-clients.ts), as browsers connect
 * from their own machines.
 */
export function spawnClients(arrivals: Map<string, number[]>, index = 0): ChildProcess {
  const child = fork(join(import.meta.dirname, 'realtime-clients.ts'), [], {
    env: { ...process.env, BENCH_CLIENT_INDEX: String(index) },
    execArgv: [...profileArgs(), '--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  child.on('message', (message: FromClients) => {
    if (message.type !== 'frames') return;
    for (const [residentId, at] of message.items) {
      const list = arrivals.get(residentId);
      if (list) list.push(at);
      else arrivals.set(residentId, [at]);
    }
  });
  return child;
}

export function send(child: ChildProcess, message: ToClients): void {
  child.send(message);
}

export function once<T extends FromClients['type']>(
  child: ChildProcess,
  type: T,
): Promise<Extract<FromClients, { type: T }>> {
  return new Promise((resolve) => {
    const listener = (message: FromClients) => {
      if (message.type !== type) return;
      child.off('message', listener);
      resolve(message as Extract<FromClients, { type: T }>);
    };
    child.on('message', listener);
  });
}

export async function waitFor(done: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!done() && Date.now() < deadline) await sleep(50);
}

export function rssMb(pid: number | undefined): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

export function round(value: number): number {
  return Math.round(value * 10) / 10;
}

export async function failAndCleanUp(error: unknown): Promise<never> {
  console.error(`[bench] failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exitCode = 1;
  return cleanUpAndExit();
}

let cleaningUp: Promise<never> | null = null;

/** Runs every cleanup once, then exits; a second failure while cleaning up waits for the same cleanup. */
export function cleanUpAndExit(): Promise<never> {
  cleaningUp ??= (async () => {
    const running = cleanups.splice(0);
    for (const cleanup of running) await Promise.resolve(cleanup()).catch(() => {});
    process.exit();
  })();
  return cleaningUp;
}

/**
 * Runs a bench's main and cleans up however it ends. An error thrown outside main's promise chain (an emitter with
 * no 'error' listener) must still stop the node, the ingest server, the dashboard processes and PostgreSQL: left
 * running, they would load the machine for later runs.
 */
export function runBench(main: () => Promise<void>): void {
  process.on('uncaughtException', (error) => void failAndCleanUp(error));
  // Once main has failed, its other pending requests fail too: they must not end the process before the cleanup.
  process.on('unhandledRejection', (error) => void failAndCleanUp(error));
  main().then(cleanUpAndExit, failAndCleanUp);
}
