import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { requestId } from 'hono/request-id';
import { limitBody } from './lib/body-limit';
import type { AppEnv } from './lib/context';
import { notFound, onError } from './lib/on-error';
import { ApiError } from './lib/problem';
import { securityHeaders } from './lib/security-headers';

/** Default request body limit; routes that take larger bodies (ingest batches) set their own. */
export const DEFAULT_BODY_LIMIT_BYTES = 64 * 1024;
/** Paths whose routes apply their own, larger body limit (sensor batches of up to 1,000 events). */
const LARGE_BODY_PREFIXES = ['/v1/ingest/'];

/** A bare router with the app's environment type, for resource folders to mount. */
export function createRouter() {
  return new Hono<AppEnv>({ strict: false });
}

/**
 * Builds the app with its cross-cutting middleware wired once: request id → secure headers → CORS → access log →
 * body limit, plus the problem+json `notFound`/`onError`. Tests build through here too.
 */
export function createBaseApp() {
  const app = createRouter();
  app.use(requestId({ headerName: 'x-request-id' }));
  app.use(securityHeaders());
  app.use('*', async function corsForBrowsers(c, next) {
    // Only a browser's cross-origin request carries Origin; hubs, curl and same-origin GETs need no CORS headers
    // (and hono's cors() would build the response early for them, a cost on every read).
    if (!c.req.header('origin')) {
      c.header('Vary', 'Origin');
      return next();
    }
    const origins = c.env.services.config.CORS_ORIGINS;
    return cors({ origin: origins, credentials: true, maxAge: 600, exposeHeaders: ['x-request-id', 'retry-after'] })(
      c,
      next,
    );
  });
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    c.env.services.logger.info('request', {
      requestId: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
    });
  });
  const limitDefaultBody = limitBody({
    maxSize: DEFAULT_BODY_LIMIT_BYTES,
    onError: () => {
      throw new ApiError({
        code: 'PAYLOAD_TOO_LARGE',
        detail: `Request body exceeds ${DEFAULT_BODY_LIMIT_BYTES} bytes`,
      });
    },
  });
  // GET/HEAD carry no body (skipping them also spares @hono/node-server from building a full Request per read);
  // routes that take larger bodies (ingest batches) enforce their own limit.
  app.use(async function defaultBodyLimitUnlessOwn(c, next) {
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    return LARGE_BODY_PREFIXES.some((prefix) => c.req.path.startsWith(prefix)) ? next() : limitDefaultBody(c, next);
  });
  app.notFound(notFound);
  app.onError(onError);
  return app;
}
