import { readFile } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import type { MiddlewareHandler } from 'hono';
import { createActiveStaffMemo } from '../core/auth/active-staff-memo';
import { watchAlertChanges } from '../core/cache/alert-invalidation';
import { configuredCache, outageSafe } from '../core/cache/configured-cache';
import { createMemoryCache } from '../core/cache/memory-cache';
import { InFlight } from '../core/in-flight';
import { startJobs } from '../core/jobs/run-jobs';
import { configuredLimiters } from '../core/limits/configured-limiters';
import { createLogger } from '../core/logger';
import { configuredMediaStore } from '../core/media/configured-media-store';
import { createDatabase, failFastTimeouts } from '../db/client';
import { unhandledRejectionVerdict } from '../db/unhandled-rejection';
import { createApp } from './app';
import { type FunctionsConfig, parseFunctionsEnv } from './env';
import { functionsJobs } from './jobs';
import { clientIpBehindProxies } from './lib/client-ip';
import { answerClientErrorsWithProblems, closeUnlessRequestRead } from './node-http-hygiene';
import type { DocsAssetReader } from './routes/docs/docs-assets';
import type { Services } from './services';

export interface RunningFunctions {
  url: string;
  port: number;
  services: Services;
  close(): Promise<void>;
}

/** The staff console's static files, served by the Node app when no nginx is in front (`npm start`). */
export interface ConsoleAssets {
  /** Folder holding index.html and assets/ (infra/console). */
  dir: string;
  /** Answered as /config.json: where the console finds the WebSocket when it is not on this origin. */
  config: { wsUrl?: string; apiBase?: string };
}

/** Node runtime: one pooled database client for the process, the app served by @hono/node-server. */
export async function startFunctions(
  config: FunctionsConfig,
  host = '127.0.0.1',
  options: { console?: ConsoleAssets } = {},
): Promise<RunningFunctions> {
  const logger = createLogger('functions', config.LOG_LEVEL);
  const { db, sql, close } = createDatabase(config.DATABASE_URL, {
    max: 20,
    applicationName: 'carewatch-functions',
    ...failFastTimeouts,
  });
  const cache = outageSafe(
    configuredCache(config, logger, () => createMemoryCache()),
    sql,
    logger,
  );
  // Watching before serving, so nothing is cached unwatched; a database that is down delays nothing (health says
  // 503) and the watch retries in the background.
  const alertWatch = watchAlertChanges(sql, cache, logger);
  await alertWatch.ready;
  const services: Services = {
    config,
    db,
    sql,
    cache,
    limiters: configuredLimiters(config, logger, { timeoutMs: config.RATE_LIMIT_TIMEOUT_MS }),
    logger,
    activeStaff: createActiveStaffMemo(config.STAFF_ACTIVE_TTL_MS),
    media: configuredMediaStore(config),
    docsAssets: swaggerUiFromNodeModules(),
  };
  const app = createApp();
  if (options.console) {
    // Node only: the Workers build has no file system and nginx serves the console in deployments.
    const assets = options.console;
    app.get('/config.json', (c) => c.json(assets.config));
    app.get('/', serveStatic({ path: join(assets.dir, 'index.html') }));
    app.get('/assets/*', serveStatic({ root: assets.dir }));
    app.get('/icons/*', serveStatic({ root: assets.dir }));
    // The manifest and the service worker are revalidated on every load, as nginx serves the whole console: a new
    // sw.js must reach phones at once (it decides how alerts are shown). At the console's root, the worker's scope is
    // the whole console without a Service-Worker-Allowed header. Hono's MIME table types .webmanifest as
    // application/manifest+json.
    app.get('/manifest.webmanifest', revalidate, serveStatic({ path: join(assets.dir, 'manifest.webmanifest') }));
    app.get('/sw.js', revalidate, serveStatic({ path: join(assets.dir, 'sw.js') }));
  }
  const inFlight = new InFlight();
  const server = serve({
    fetch: (
      request,
      nodeEnv: {
        incoming?: { socket?: { remoteAddress?: string }; headers?: Record<string, string | string[] | undefined> };
        outgoing?: unknown;
      },
    ) => {
      const answered = inFlight.track(
        app.fetch(request, {
          services,
          clientIp: clientIpBehindProxies(
            nodeEnv.incoming?.socket?.remoteAddress,
            request.headers.get('x-forwarded-for') ?? undefined,
            config.TRUSTED_PROXIES,
          ),
        }),
      );
      // Only a request with a body can be answered before it arrived in full; the rest skip the extra hop. Read from
      // Node's message: touching `request.body` makes @hono/node-server build a full web Request (half the cached
      // throughput in bench:api).
      const headers = nodeEnv.incoming?.headers;
      const hasBody = headers?.['content-length'] !== undefined || headers?.['transfer-encoding'] !== undefined;
      return hasBody ? answered.finally(() => closeUnlessRequestRead(nodeEnv)) : answered;
    },
    port: config.PORT,
    hostname: host,
  });
  answerClientErrorsWithProblems(server as Server, logger);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  // The alert watch keeps cached profiles fresh here; Workers run the same jobs from the Cron Trigger instead.
  const jobs = startJobs(sql, functionsJobs(config), logger);
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : config.PORT;
  return {
    url: `http://${host}:${port}`,
    port,
    services,
    close: async () => {
      const jobsStopped = jobs.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      // A client that hung up leaves its handler running; it finishes (or its transaction rolls back) before the
      // pool ends, instead of failing half-way on a closed pool.
      await inFlight.settled(SHUTDOWN_GRACE_MS);
      await jobsStopped;
      await alertWatch.stop().catch(() => {});
      await close();
    },
  };
}

const SHUTDOWN_GRACE_MS = 10_000;

const revalidate: MiddlewareHandler = async function revalidate(c, next) {
  c.header('Cache-Control', 'no-cache');
  await next();
};

/** The /docs UI's files, read once from the installed swagger-ui-dist package. */
function swaggerUiFromNodeModules(): DocsAssetReader {
  const packageDir = dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
  const loaded = new Map<string, Promise<string | undefined>>();
  return (file) => {
    let text = loaded.get(file);
    if (!text) {
      text = readFile(join(packageDir, file), 'utf8').catch(() => undefined);
      loaded.set(file, text);
    }
    return text;
  };
}

async function main() {
  const config = parseFunctionsEnv(process.env);
  const processLogger = createLogger('functions', config.LOG_LEVEL);
  process.on('unhandledRejection', (reason, promise) => {
    const { action, message, fields } = unhandledRejectionVerdict(reason, promise);
    processLogger.error(message, fields);
    if (action === 'exit') process.exit(1);
  });
  const running = await startFunctions(config, process.env.HOST ?? '0.0.0.0');
  running.services.logger.info('functions listening', { url: running.url });
  const stop = async () => {
    await running.close();
    process.exit(0);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: Error) => {
    console.error(error.message);
    process.exit(1);
  });
}
