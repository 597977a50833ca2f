import { bodyLimit } from 'hono/body-limit';
import { resolver } from 'hono-openapi';
import { invalidateResidentProfiles } from '../../core/cache/keys';
import { createRouter } from '../create-app';
import { describeHubRoute, jsonResponse } from '../lib/openapi';
import { ApiError } from '../lib/problem';
import { authenticateHub, SIGNATURE_HEADER, verifyBodySignature } from './hub-auth';
import { IngestBatchSchema, IngestResponseSchema } from './ingest.schemas';
import { ingestBatch } from './ingest-batch';
import { ingestLimits } from './limits';
import { createMemoryRateLimiter, type RateLimiter } from './rate-limiter';

export const INGEST_PATH = '/v1/ingest/events';

/**
 * `POST /v1/ingest/events` from a sensor hub (README "Sensor ingest"). The limiter is per app instance: one per
 * Node process, one per Workers isolate; pass a shared one to limit across processes.
 */
export function ingestRoutes(options: { limiter?: RateLimiter } = {}) {
  const limiter = options.limiter ?? createMemoryRateLimiter();
  return createRouter().post(
    INGEST_PATH,
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
    bodyLimit({
      maxSize: ingestLimits.maxBodyBytes,
      onError: () => {
        throw new ApiError({
          code: 'PAYLOAD_TOO_LARGE',
          detail: `An ingest batch is at most ${ingestLimits.maxBodyBytes} bytes`,
        });
      },
    }),
    async function ingestEvents(c) {
      const { sql, config } = c.env.services;
      const { hub, key } = await authenticateHub(sql, c.req.header('authorization'));
      const contentType = c.req.header('content-type');
      if (contentType && !/^application\/json\b/i.test(contentType)) {
        throw new ApiError({ code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'Send the batch as application/json' });
      }
      const decision = await limiter.take(`ingest:hub:${hub.id}`, {
        perSecond: config.INGEST_HUB_RATE_PER_SECOND,
        burst: config.INGEST_HUB_BURST,
      });
      if (!decision.allowed) {
        throw new ApiError({
          code: 'RATE_LIMITED',
          detail: `This hub sends more than ${config.INGEST_HUB_RATE_PER_SECOND} batches per second; retry later`,
          headers: { 'retry-after': String(decision.retryAfterSeconds) },
        });
      }
      const raw = new Uint8Array(await c.req.arrayBuffer());
      await verifyBodySignature(key, raw, c.req.header(SIGNATURE_HEADER));
      let body: unknown;
      try {
        body = JSON.parse(new TextDecoder().decode(raw));
      } catch {
        throw new ApiError({ code: 'BAD_REQUEST', detail: 'The body is not valid JSON' });
      }
      const { response: result, changesProfile, refusedBatch } = await ingestBatch(sql, hub, body, new Date());
      if (refusedBatch) {
        // Validation let through something PostgreSQL refuses; the batch was stored event by event instead.
        c.env.services.logger.error('ingest batch refused by the database; stored event by event', {
          requestId: c.get('requestId'),
          hubId: hub.id,
          error: refusedBatch,
        });
      }
      // Alert changes also invalidate through NOTIFY (watchAlertChanges); doing it here too means the next read
      // after this response can never see the profile from before, whichever process serves it.
      if (changesProfile && hub.residentId) {
        await invalidateResidentProfiles(c.env.services.cache, hub.orgId, [hub.residentId]);
      }
      if (result.rejected > 0) {
        const first = result.results.find((entry) => entry.status === 'rejected');
        c.env.services.logger.warn('ingest rejected events', {
          requestId: c.get('requestId'),
          hubId: hub.id,
          rejected: result.rejected,
          firstReason: first && 'reason' in first ? first.reason : undefined,
        });
      }
      if (result.ignored) {
        c.env.services.logger.warn('ingest ignored heartbeat fields', {
          requestId: c.get('requestId'),
          hubId: hub.id,
          ignored: result.ignored,
        });
      }
      if (result.alerts.length > 0) {
        c.env.services.logger.info('ingest raised alerts', {
          requestId: c.get('requestId'),
          hubId: hub.id,
          alerts: result.alerts,
        });
      }
      return c.json(result, 200);
    },
  );
}
