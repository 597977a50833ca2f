import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';

/**
 * hono's `bodyLimit` with its Content-Length answer given from the header alone. Hono's first looks at
 * `c.req.raw.body`, which makes @hono/node-server build a full undici Request and a web stream over the socket for
 * every POST (about a tenth of an ingest request's CPU), only to then decide from Content-Length anyway. A body
 * sent without a length (chunked) still goes through hono's own counting read, so every answer is the same.
 */
export function limitBody(options: Parameters<typeof bodyLimit>[0]): MiddlewareHandler {
  const counted = bodyLimit(options);
  const { maxSize } = options;
  if (!Number.isSafeInteger(maxSize) || maxSize < 0) throw new Error(`limitBody: bad maxSize ${maxSize}`);
  return async function limitBodyByLength(c, next) {
    const length = c.req.header('content-length');
    if (length === undefined || c.req.header('transfer-encoding') !== undefined) return counted(c, next);
    // Too large: hono's own answer (its onError), the rare path.
    if (Number.parseInt(length || '0', 10) > maxSize) return counted(c, next);
    await next();
  };
}
