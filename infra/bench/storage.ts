// `npm run bench:storage`: what a day of sensor events costs on disk, and what the shared cache costs in Redis —
// the figures the capacity plan (docs/capacity.md) needs that no other bench measures.
//
// Storage: the same rows (BENCH_RESIDENTS homes × BENCH_DAYS days × BENCH_EVENTS_PER_DAY events of the simulator's
// routine mix, stored as ingest stores them) go into
//   - plain PostgreSQL: an embedded PostgreSQL 18 (or $BENCH_DATABASE_URL: its sensor_events is TRUNCATED and a
//     centre "Storage Bench …" is seeded in it for the Redis part),
//     migrated, so sensor_events has its btree indexes and the BRIN index on time;
//   - TimescaleDB: PGlite (PostgreSQL 17, WASM) with TimescaleDB 2.23, migrated, so sensor_events is the 1-day-chunk
//     hypertable with compression segmented by resident (migration 0001); then every chunk is compressed, as the
//     policy does after 7 days.
// Sizes after VACUUM ANALYZE: pg_total_relation_size / hypertable_detailed_size (heap + indexes + TOAST).
//
// Redis: a private redis-server (its own port, nothing else on it) behind the project's Upstash REST bridge, and
// the functions app (in this process) configured with it as Upstash: MEMORY USAGE of each key the cache and the
// limiters write for one organisation (resident profiles, a staff list, hub token buckets, login windows), and
// Redis's own INFO counters (commands, network bytes in and out) over repeated cached reads and hub batches.
//
// Last stdout line: one JSON object of the figures.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { residentProfileKey } from '../../core/cache/keys';
import { createDatabase, postgresMigrationTarget } from '../../db/client';
import { freeLoopbackPort, startEmbeddedPostgres } from '../../db/embedded';
import { migrate } from '../../db/migrate';
import { createTimescalePglite } from '../../db/testing/pglite';
import { parseFunctionsEnv } from '../../functions/env';
import { startFunctions } from '../../functions/node';
import { seedDemoOrganisation } from '../demo-organisation';
import { createRedisRestBridge } from '../redis-rest-bridge/bridge';
import { RespClient, type RespReply } from '../redis-rest-bridge/resp-client';
import { routineEvents } from '../simulate/events';
import { kindMix, perEvent, planDays, ratio, type StorageRow } from './storage-rows';

const RESIDENTS = Number(process.env.BENCH_RESIDENTS ?? 300);
const DAYS = Number(process.env.BENCH_DAYS ?? 2);
const EVENTS_PER_DAY = Number(process.env.BENCH_EVENTS_PER_DAY ?? 700);
const INSERT_BATCH = 5_000;
const READS = 500;
const HUB_BATCHES = 200;
const HUB_BATCH_EVENTS = 10;
const cleanups: (() => Promise<void>)[] = [];
const log = (line: string) => console.log(`[storage] ${line}`);

const INSERT = `
  insert into sensor_events (time, org_id, resident_id, hub_id, device_id, kind, value, payload, event_id, received_at)
  select time, org_id, resident_id, hub_id, device_id, kind::sensor_event_kind, value, payload, event_id, received_at
  from json_to_recordset($1::json) as r(time timestamptz, org_id uuid, resident_id uuid, hub_id uuid, device_id uuid,
    kind text, value double precision, payload jsonb, event_id text, received_at timestamptz)`;

type Run = (statement: string, params?: unknown[]) => Promise<Record<string, unknown>[]>;

async function insertRows(run: Run, rows: StorageRow[]) {
  for (let i = 0; i < rows.length; i += INSERT_BATCH) {
    await run(INSERT, [JSON.stringify(rows.slice(i, i + INSERT_BATCH))]);
  }
  const [count] = await run('select count(*)::int as n from sensor_events');
  if (count?.n !== rows.length) throw new Error(`stored ${String(count?.n)} of ${rows.length} rows`);
}

async function plainPostgres(rows: StorageRow[]) {
  const url = process.env.BENCH_DATABASE_URL ?? (await embeddedDatabase());
  const { sql, db, close } = createDatabase(url, { max: 2, applicationName: 'carewatch-bench-storage' });
  cleanups.unshift(() => close());
  const migration = await migrate(postgresMigrationTarget(sql));
  if (migration.timescale) throw new Error('this database has TimescaleDB: the plain path needs one without it');
  await sql`truncate sensor_events`;
  const run: Run = (statement, params) => sql.unsafe(statement, params as never[]);
  const started = performance.now();
  await insertRows(run, rows);
  const seconds = (performance.now() - started) / 1000;
  await sql.unsafe('vacuum analyze sensor_events');
  const [size] = await sql<{ heap: string; indexes: string; total: string }[]>`
    select pg_relation_size('sensor_events')::text as heap, pg_indexes_size('sensor_events')::text as indexes,
           pg_total_relation_size('sensor_events')::text as total`;
  const [version] = await sql<{ v: string }[]>`select current_setting('server_version') as v`;
  log(
    `plain PostgreSQL ${version?.v}: ${rows.length} rows inserted in ${seconds.toFixed(1)} s; heap ${mb(size?.heap)}, ` +
      `indexes ${mb(size?.indexes)}, total ${mb(size?.total)}`,
  );
  return { url, db, heap: Number(size?.heap), indexes: Number(size?.indexes), total: Number(size?.total) };
}

async function timescale(rows: StorageRow[]) {
  const pglite = await createTimescalePglite();
  cleanups.unshift(() => pglite.close());
  const migration = await migrate(pglite.target);
  if (!migration.timescale) throw new Error('sensor_events is not a hypertable on PGlite');
  const run: Run = pglite.execute;
  const started = performance.now();
  await insertRows(run, rows);
  const seconds = (performance.now() - started) / 1000;
  await run('vacuum analyze sensor_events');
  const detailed = async () => {
    const [size] = await run(
      `select table_bytes::text as heap, index_bytes::text as indexes, toast_bytes::text as toast,
              total_bytes::text as total from hypertable_detailed_size('sensor_events')`,
    );
    return {
      heap: Number(size?.heap),
      indexes: Number(size?.indexes),
      toast: Number(size?.toast),
      total: Number(size?.total),
    };
  };
  const uncompressed = await detailed();
  const [chunks] = await run(`select count(*)::int as n from show_chunks('sensor_events')`);
  const compressStarted = performance.now();
  await run(`select compress_chunk(chunk) from show_chunks('sensor_events') as chunk`);
  const compressSeconds = (performance.now() - compressStarted) / 1000;
  await run('vacuum analyze sensor_events');
  const compressed = await detailed();
  const [stats] = await run(
    `select sum(before_compression_total_bytes)::text as before, sum(after_compression_total_bytes)::text as after,
            sum(number_compressed_chunks)::int as chunks from hypertable_compression_stats('sensor_events')`,
  );
  const [count] = await run('select count(*)::int as n from sensor_events');
  if (count?.n !== rows.length) throw new Error(`after compression ${String(count?.n)} of ${rows.length} rows`);
  // The hourly continuous aggregate (migration 0001) materialised over the same days: what analytics keep per home.
  const end = rows.at(-1)?.time ?? new Date().toISOString();
  const start = new Date(Date.parse(rows[0]?.time ?? end) - 3_600_000).toISOString();
  await run(`call refresh_continuous_aggregate('resident_activity_hourly', $1::timestamptz, $2::timestamptz)`, [
    start,
    new Date(Date.parse(end) + 3_600_000).toISOString(),
  ]);
  const [aggregate] = await run(
    `select hypertable_size(format('%I.%I', materialization_hypertable_schema, materialization_hypertable_name)::regclass)::text
              as bytes, (select count(*)::int from resident_activity_hourly) as buckets
       from timescaledb_information.continuous_aggregates where view_name = 'resident_activity_hourly'`,
  );
  const [version] = await run(
    `select current_setting('server_version') as pg, extversion as ts from pg_extension where extname = 'timescaledb'`,
  );
  log(
    `TimescaleDB ${String(version?.ts)} on PGlite (PostgreSQL ${String(version?.pg)}): ${rows.length} rows in ` +
      `${String(chunks?.n)} chunks inserted in ${seconds.toFixed(1)} s; uncompressed heap ${mb(uncompressed.heap)}, ` +
      `indexes ${mb(uncompressed.indexes)}, total ${mb(uncompressed.total)}; all chunks compressed in ` +
      `${compressSeconds.toFixed(1)} s: total ${mb(compressed.total)} (heap ${mb(compressed.heap)}, indexes ` +
      `${mb(compressed.indexes)}, TOAST ${mb(compressed.toast)}); compression stats ${mb(stats?.before)} → ${mb(stats?.after)} ` +
      `over ${String(stats?.chunks)} chunks; hourly aggregate ${String(aggregate?.buckets)} buckets, ${mb(aggregate?.bytes)}`,
  );
  return {
    uncompressed,
    compressed,
    statsBefore: Number(stats?.before),
    statsAfter: Number(stats?.after),
    aggregateBytes: Number(aggregate?.bytes),
    aggregateBuckets: Number(aggregate?.buckets),
  };
}

/** A redis-server of this bench's own on a free port, so its INFO counters count only this bench's traffic. */
async function privateRedis(): Promise<{ port: number; redis: RespClient }> {
  const port = await freeLoopbackPort();
  const child: ChildProcess = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'],
    { stdio: 'ignore' },
  );
  cleanups.push(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((done) => child.once('exit', done));
    }
  });
  const redis = new RespClient('127.0.0.1', port);
  cleanups.unshift(async () => redis.close());
  for (let attempt = 0; ; attempt++) {
    try {
      if ((await redis.send([['PING']]))[0] === 'PONG') break;
    } catch (error) {
      if (attempt > 100) throw error;
      await new Promise((done) => setTimeout(done, 50));
    }
  }
  return { port, redis };
}

async function redisCosts(databaseUrl: string, db: ReturnType<typeof createDatabase>['db']) {
  const { port, redis } = await privateRedis();
  const one = async (...command: string[]) => (await redis.send([command]))[0] as RespReply;
  const [version] = await redis.send([['INFO', 'server']]);
  const token = `bench-${crypto.randomUUID()}`;
  const { server: bridge } = createRedisRestBridge({ token, redisPort: port });
  await new Promise<void>((done) => bridge.listen(0, '127.0.0.1', done));
  cleanups.unshift(() => new Promise<void>((done) => bridge.close(() => done())));
  const org = await seedDemoOrganisation(db, { orgName: `Storage Bench ${token}`, slug: token, residents: 8 });
  const running = await startFunctions(
    parseFunctionsEnv({
      DATABASE_URL: databaseUrl,
      JWT_SECRET: 'bench-secret-that-is-long-enough-for-hs256',
      PORT: '0',
      LOG_LEVEL: 'warn',
      UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${(bridge.address() as AddressInfo).port}`,
      UPSTASH_REDIS_REST_TOKEN: token,
      SILENCE_CHECK_INTERVAL_MS: '0',
      // A slow refill keeps each hub's bucket key alive while it is measured: the library expires a bucket when it
      // would be full again (at the default 5/s, ~0.2 s after a batch). Its size does not depend on the rate.
      INGEST_HUB_RATE_PER_SECOND: '0.01',
      INGEST_HUB_BURST: '10000',
    }),
  );
  cleanups.unshift(() => running.close());
  if (running.services.cache.kind !== 'upstash')
    throw new Error(`cache is ${running.services.cache.kind}, not upstash`);
  const admin = org.logins.find((login) => login.role === 'admin');
  if (!admin) throw new Error('seed has no admin');
  const session = (await fetch(`${running.url}/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: admin.email, password: admin.password }),
  }).then((response) => response.json())) as { accessToken?: string };
  if (!session.accessToken) throw new Error(`login failed: ${JSON.stringify(session)}`);
  const get = async (path: string) => {
    const response = await fetch(`${running.url}${path}`, {
      headers: { authorization: `Bearer ${session.accessToken}` },
    });
    if (response.status !== 200) throw new Error(`${path} answered ${response.status}`);
    await response.arrayBuffer();
  };
  const postBatch = async (hub: (typeof org.hubs)[number], seed: number) => {
    const events = routineEvents(hub, HUB_BATCH_EVENTS, { seed, doors: false });
    const response = await fetch(`${running.url}/v1/ingest/events`, {
      method: 'POST',
      headers: { authorization: `Bearer ${hub.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ hub: { batteryPct: 90, powerState: 'mains' }, events }),
    });
    if (response.status !== 200) throw new Error(`ingest answered ${response.status}: ${await response.text()}`);
    await response.arrayBuffer();
  };

  // Fill: every resident's profile read twice (a miss that fills, then a hit), the staff list, one batch per hub.
  for (const resident of org.residents) {
    await get(`/v1/residents/${resident.id}`);
    await get(`/v1/residents/${resident.id}`);
  }
  await get('/v1/staff');
  for (const [index, hub] of org.hubs.entries()) await postBatch(hub, index + 1);

  const usage = async (pattern: string) => {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, found] = (await redis.send([['SCAN', cursor, 'MATCH', pattern, 'COUNT', '1000']]))[0] as [
        Buffer,
        Buffer[],
      ];
      cursor = next.toString();
      keys.push(...found.map((key) => key.toString()));
    } while (cursor !== '0');
    const bytes = await Promise.all(keys.map(async (key) => Number(await one('MEMORY', 'USAGE', key, 'SAMPLES', '0'))));
    return { keys, bytes, mean: bytes.length ? Math.round(bytes.reduce((a, b) => a + b, 0) / bytes.length) : 0 };
  };
  const profiles = await usage(`cw:${org.orgId}:resident:*`);
  if (profiles.keys.length !== org.residents.length) throw new Error(`${profiles.keys.length} profile keys cached`);
  const profileLengths = await Promise.all(
    org.residents.map(async (resident) => Number(await one('STRLEN', residentProfileKey(org.orgId, resident.id)))),
  );
  const staff = await usage(`cw:${org.orgId}:staff:*`);
  const buckets = await usage('cw:limits:ingest:hub:*');
  if (buckets.keys.length !== org.hubs.length) throw new Error(`${buckets.keys.length} hub bucket keys`);
  const logins = await usage('cw:limits:login:*');
  const dbsize = Number(await one('DBSIZE'));

  // Traffic, counted by Redis itself: commands processed and bytes in/out over many cached reads, then hub batches.
  const counters = async () => {
    const text = String(await one('INFO', 'stats'));
    const field = (name: string) => Number(new RegExp(`${name}:(\\d+)`).exec(text)?.[1]);
    return {
      commands: field('total_commands_processed'),
      in: field('total_net_input_bytes'),
      out: field('total_net_output_bytes'),
    };
  };
  const delta = (before: Awaited<ReturnType<typeof counters>>, after: typeof before, n: number) => ({
    commands: Math.round(((after.commands - before.commands - 1) / n) * 100) / 100,
    bytes: Math.round((after.in + after.out - before.in - before.out) / n),
  });
  let before = await counters();
  for (let i = 0; i < READS; i++) await get(`/v1/residents/${org.residents[i % org.residents.length]?.id}`);
  const read = delta(before, await counters(), READS);
  before = await counters();
  for (let i = 0; i < HUB_BATCHES; i++) {
    const hub = org.hubs[i % org.hubs.length];
    if (hub) await postBatch(hub, 1_000 + i);
  }
  const batch = delta(before, await counters(), HUB_BATCHES);
  const used = String(await one('INFO', 'memory'));
  log(
    `Redis ${/redis_version:(\S+)/.exec(String(version))?.[1]} (private, port ${port}) via the REST bridge: ${dbsize} keys ` +
      `for one centre of ${org.residents.length} residents; profile ${profiles.mean} B in memory (value ` +
      `${Math.min(...profileLengths)}–${Math.max(...profileLengths)} B), staff keys ${staff.keys.length} ` +
      `(${staff.bytes.join(' + ')} B), hub bucket ${buckets.mean} B, login window keys ${logins.keys.length} ` +
      `(mean ${logins.mean} B); a cached profile read ${read.commands} commands, ${read.bytes} B in+out at Redis; ` +
      `a hub batch ${batch.commands} commands, ${batch.bytes} B; used_memory ${/used_memory:(\d+)/.exec(used)?.[1]} B`,
  );
  return {
    profileBytes: profiles.mean,
    profileValueBytes: Math.round(profileLengths.reduce((a, b) => a + b, 0) / profileLengths.length),
    staffListBytes: staff.bytes.reduce((a, b) => a + b, 0),
    hubBucketBytes: buckets.mean,
    loginWindowBytes: logins.mean,
    read,
    batch,
  };
}

async function main() {
  const end = Math.floor(Date.now() / 86_400_000) * 86_400_000;
  const rows = planDays({ residents: RESIDENTS, days: DAYS, eventsPerResidentDay: EVENTS_PER_DAY, end });
  log(
    `${RESIDENTS} homes × ${DAYS} days × ${EVENTS_PER_DAY} events = ${rows.length} rows; mix ${JSON.stringify(kindMix(rows))}`,
  );
  const plain = await plainPostgres(rows);
  const ts = await timescale(rows);
  const redis = await redisCosts(plain.url, plain.db);
  const events = rows.length;
  console.log(
    JSON.stringify({
      events,
      residents: RESIDENTS,
      days: DAYS,
      events_per_resident_day: EVENTS_PER_DAY,
      bytes_per_event_plain: perEvent(plain.total, events),
      bytes_per_event_plain_heap: perEvent(plain.heap, events),
      bytes_per_event_timescale_uncompressed: perEvent(ts.uncompressed.total, events),
      bytes_per_event_timescale_compressed: perEvent(ts.compressed.total, events),
      compression_ratio: ratio(ts.uncompressed.total, ts.compressed.total),
      compression_ratio_stats: ratio(ts.statsBefore, ts.statsAfter),
      aggregate_bytes_per_resident_day: Math.round(ts.aggregateBytes / (RESIDENTS * DAYS)),
      redis_bytes_per_profile: redis.profileBytes,
      redis_profile_value_bytes: redis.profileValueBytes,
      redis_bytes_staff_list: redis.staffListBytes,
      redis_bytes_per_hub_bucket: redis.hubBucketBytes,
      redis_bytes_per_login_window: redis.loginWindowBytes,
      redis_commands_per_cached_read: redis.read.commands,
      redis_net_bytes_per_cached_read: redis.read.bytes,
      redis_commands_per_hub_batch: redis.batch.commands,
      redis_net_bytes_per_hub_batch: redis.batch.bytes,
    }),
  );
}

function mb(bytes: unknown): string {
  return `${(Number(bytes) / 1_048_576).toFixed(2)} MB`;
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

try {
  await main();
} catch (error) {
  console.error(error);
  process.exitCode = 1;
} finally {
  for (const cleanup of cleanups) await cleanup().catch((error) => console.error('cleanup:', error));
}
