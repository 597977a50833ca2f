import { createRouter } from '../../create-app';
import { createMemoryRateLimiter, type RateLimiter } from '../../ingest/rate-limiter';
import * as handlers from './ingest.handlers';

export const INGEST_PATH = '/v1/ingest/events';

/**
 * `POST /v1/ingest/events` from a sensor hub (README "Sensor ingest"). The limiter is per app instance: one per
 * Node process, one per Workers isolate; pass a shared one to limit across processes.
 */
export function ingestRoutes(options: { limiter?: RateLimiter } = {}) {
  const limiter = options.limiter ?? createMemoryRateLimiter();
  return createRouter().post(INGEST_PATH, ...handlers.ingestEvents(limiter));
}
