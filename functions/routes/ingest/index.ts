import { createRouter } from '../../create-app';
import * as handlers from './ingest.handlers';

export const INGEST_PATH = '/v1/ingest/events';

/**
 * `POST /v1/ingest/events` from a sensor hub (README "Sensor ingest"), limited per hub by the services' bucket
 * limiter: shared through Redis when the cache is configured, else per Node process or Workers isolate.
 */
export function ingestRoutes() {
  return createRouter().post(INGEST_PATH, ...handlers.ingestEvents);
}
