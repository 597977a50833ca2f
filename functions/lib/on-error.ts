import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { AppEnv } from './context';
import { isDatabaseUnavailable } from './postgres-errors';
import { ApiError, codeForStatus, type Problem, problemFor } from './problem';

export function problemResponse(c: Context<AppEnv>, problem: Problem, headers: Record<string, string> = {}) {
  const body: Problem = { ...problem, instance: c.req.path, requestId: c.get('requestId') };
  return c.body(JSON.stringify(body), problem.status as ContentfulStatusCode, {
    ...headers,
    'content-type': 'application/problem+json',
  });
}

/** Seconds a client is asked to wait when the database is down (hubs re-send the same batch then). */
export const DATABASE_RETRY_AFTER_SECONDS = 2;

/**
 * The one place errors become responses: known errors keep their code; a database that is down or too slow is a
 * 503 with Retry-After (the request can succeed later); anything else is a logged, generic 500.
 */
export function onError(error: Error, c: Context<AppEnv>) {
  if (error instanceof ApiError) {
    return problemResponse(
      c,
      problemFor(error.code, error.detail, { errors: error.errors, current: error.current }),
      error.headers,
    );
  }
  if (error instanceof HTTPException) {
    const code = codeForStatus(error.status);
    return problemResponse(c, problemFor(code, error.message || 'Request rejected'));
  }
  if (isDatabaseUnavailable(error)) {
    c.env.services.logger.warn('database unavailable', {
      requestId: c.get('requestId'),
      method: c.req.method,
      path: c.req.path,
      error: error.message,
    });
    return problemResponse(
      c,
      problemFor('UNAVAILABLE', 'The database is unavailable; retry after the Retry-After seconds'),
      { 'retry-after': String(DATABASE_RETRY_AFTER_SECONDS) },
    );
  }
  c.env.services.logger.error('unhandled error', {
    requestId: c.get('requestId'),
    method: c.req.method,
    path: c.req.path,
    error: error.message,
    cause: error.cause instanceof Error ? error.cause.message : undefined,
    stack: error.stack,
  });
  return problemResponse(c, problemFor('INTERNAL', 'An unexpected error occurred; it has been logged.'));
}

export function notFound(c: Context<AppEnv>) {
  return problemResponse(c, problemFor('NOT_FOUND', `No route for ${c.req.method} ${c.req.path}`));
}
