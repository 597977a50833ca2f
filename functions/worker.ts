import swaggerUiCss from 'swagger-ui-dist/swagger-ui.css';
import swaggerUiBundle from 'swagger-ui-dist/swagger-ui-bundle.js';
import { type ActiveStaffMemo, createActiveStaffMemo } from '../core/auth/active-staff-memo';
import type { Cache } from '../core/cache/cache';
import { configuredCache, outageSafe } from '../core/cache/configured-cache';
import { invalidateAfterSilence } from '../core/cache/keys';
import { createMemoryCache } from '../core/cache/memory-cache';
import { runScheduledJob } from '../core/jobs/run-jobs';
import { configuredLimiters } from '../core/limits/configured-limiters';
import type { Limiters } from '../core/limits/limiter';
import { createLogger } from '../core/logger';
import { s3MediaStore } from '../core/media/media-env';
import type { MediaStore } from '../core/media/media-store';
import { createDatabase, failFastTimeouts } from '../db/client';
import { createApp } from './app';
import { parseFunctionsEnv } from './env';
import { functionsJobs } from './jobs';
import type { DocsAssetReader } from './routes/docs/docs-assets';
import type { Services } from './services';

interface WorkerExecutionContext {
  waitUntil(promise: Promise<unknown>): void;
  passThroughOnException(): void;
  props: unknown;
}

const app = createApp();
/**
 * One cache client per isolate: Upstash when configured, else an isolate-local memory cache (only useful for
 * `wrangler dev`; a deployment sets UPSTASH_REDIS_REST_URL/TOKEN so every isolate shares one cache).
 */
let isolateCache: Cache | undefined;
/** Rate limiters per isolate: in Redis when configured (so limits hold across isolates), else this isolate's own. */
let isolateLimiters: Limiters | undefined;
/** The isolate is the process here: its memory of which staff are still active lives as long as it does. */
let isolateActiveStaff: ActiveStaffMemo | undefined;
/** The media store per isolate: an S3-compatible bucket when configured; null (503 on the media endpoints) else. */
let isolateMedia: MediaStore | null | undefined;
/** The /docs UI's files, bundled into the worker as text modules (there is no file system to read them from). */
const docsAssets: DocsAssetReader = async (file) => (file === 'swagger-ui.css' ? swaggerUiCss : swaggerUiBundle);

/**
 * The bindings with DATABASE_URL taken from the Hyperdrive binding when there is one (wrangler.toml `[[hyperdrive]]`):
 * Hyperdrive keeps pooled connections to PostgreSQL, so a request's short-lived client connects to a pool nearby
 * instead of opening (TLS, auth) a connection of its own to the database. Without the binding, the DATABASE_URL
 * secret is used as it is.
 */
function databaseBindings(bindings: Record<string, unknown>): Record<string, unknown> {
  const hyperdrive = bindings.HYPERDRIVE;
  if (typeof hyperdrive !== 'object' || hyperdrive === null || !('connectionString' in hyperdrive)) return bindings;
  const { connectionString } = hyperdrive;
  return typeof connectionString === 'string' ? { ...bindings, DATABASE_URL: connectionString } : bindings;
}

/**
 * Cloudflare Workers runtime: bindings are the environment; each request opens a small postgres.js client
 * (over `cloudflare:sockets`, `nodejs_compat`) and closes it after the response with `waitUntil`.
 */
export default {
  async fetch(request: Request, bindings: Record<string, unknown>, context: WorkerExecutionContext) {
    const config = parseFunctionsEnv(databaseBindings(bindings));
    const logger = createLogger('functions-worker', config.LOG_LEVEL);
    isolateCache ??= configuredCache(config, logger, () => createMemoryCache(1000));
    isolateLimiters ??= configuredLimiters(config, logger, {
      timeoutMs: config.RATE_LIMIT_TIMEOUT_MS,
      maxKeys: 10_000,
    });
    const { db, sql, close } = createDatabase(config.DATABASE_URL, {
      max: 5,
      idleTimeout: 0,
      applicationName: 'carewatch-worker',
      ...failFastTimeouts,
    });
    const cache = outageSafe(isolateCache, sql, logger);
    isolateActiveStaff ??= createActiveStaffMemo(config.STAFF_ACTIVE_TTL_MS);
    if (isolateMedia === undefined) isolateMedia = s3MediaStore(config);
    const services: Services = {
      config,
      db,
      sql,
      cache,
      limiters: isolateLimiters,
      logger,
      activeStaff: isolateActiveStaff,
      media: isolateMedia,
      docsAssets,
    };
    const clientIp = request.headers.get('cf-connecting-ip') ?? undefined;
    try {
      return await app.fetch(request, { services, clientIp }, context);
    } finally {
      context.waitUntil(close());
    }
  },

  /** Cron Trigger (wrangler.toml `[triggers]`): runs the functions' jobs (`functions/jobs.ts`) once each. */
  async scheduled(_controller: unknown, bindings: Record<string, unknown>, context: WorkerExecutionContext) {
    const config = parseFunctionsEnv(databaseBindings(bindings));
    // Three: an advisory-lock job holds one for its lock while its work uses the others.
    const { sql, close } = createDatabase(config.DATABASE_URL, {
      max: 3,
      idleTimeout: 0,
      applicationName: 'carewatch-cron',
    });
    const logger = createLogger('functions-worker', config.LOG_LEVEL);
    isolateCache ??= configuredCache(config, logger, () => createMemoryCache(1000));
    const cache = outageSafe(isolateCache, sql, logger);
    const jobs = functionsJobs(config, async (outcome) => {
      await invalidateAfterSilence(cache, outcome);
      logger.info('silence rules', { raised: outcome.raised.length, resolved: outcome.resolved.length });
    });
    const now = new Date();
    // One after another: the pool is sized for one job at a time.
    const run = (async () => {
      for (const entry of jobs) await runScheduledJob(sql, entry, logger, now);
    })().finally(() => close());
    context.waitUntil(run);
    await run;
  },
};
