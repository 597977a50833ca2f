import { resolver } from 'hono-openapi';
import { ingestLimits } from '../../ingest/limits';
import { limitBody } from '../../lib/body-limit';
import { describeHubRoute, jsonResponse } from '../../lib/openapi';
import { ApiError } from '../../lib/problem';
import { IngestBatchSchema, IngestResponseSchema } from './ingest.schemas';

/**
 * What the ingest operation is: its documentation and its own body limit (a batch is larger than the app's default).
 * The hub key, content type and body are checked by the handler, in that order, so a bad key costs no parsing.
 */

export const ingestEvents = [
  describeHubRoute({
    tags: ['ingest'],
    summary: 'Send a batch of sensor events (hubs)',
    description:
      `Up to ${ingestLimits.maxEvents} events or ${ingestLimits.maxBodyBytes} bytes per batch; a batch with no ` +
      'events is a heartbeat. Each event is answered on its own in `results` (accepted, duplicate by ' +
      '`eventId`, or rejected with a reason); alerts the batch opened or joined are listed in `alerts`; an ' +
      'invalid heartbeat field is left out and listed in `ignored`. An `emergency_button` event opens a ' +
      'critical `sos` alert. 503 with `retry-after` while the database is down: re-send the same batch then. ' +
      'Optional `x-carewatch-signature: sha256=<hex ' +
      'HMAC-SHA256 of the body keyed by the hub API key>`; a wrong one is 401 and nothing is stored.',
    requestBody: { required: true, content: { 'application/json': { schema: resolver(IngestBatchSchema) } } },
    responses: { 200: jsonResponse('Per-event results and the alerts raised', IngestResponseSchema) },
    errors: [
      'BAD_REQUEST',
      'PAYLOAD_TOO_LARGE',
      'UNSUPPORTED_MEDIA_TYPE',
      'VALIDATION_FAILED',
      'RATE_LIMITED',
      'UNAVAILABLE',
    ],
  }),
  limitBody({
    maxSize: ingestLimits.maxBodyBytes,
    onError: () => {
      throw new ApiError({
        code: 'PAYLOAD_TOO_LARGE',
        detail: `An ingest batch is at most ${ingestLimits.maxBodyBytes} bytes`,
      });
    },
  }),
] as const;
