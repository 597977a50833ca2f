import { invalidateResidentProfiles } from '../../../core/cache/keys';
import { authenticateHub, SIGNATURE_HEADER, verifyBodySignature } from '../../ingest/hub-auth';
import { ingestBatch } from '../../ingest/ingest-batch';
import { handle } from '../../lib/handlers';
import { ApiError } from '../../lib/problem';
import * as routes from './ingest.routes';

const utf8 = new TextDecoder();

/**
 * `POST /v1/ingest/events` from a sensor hub (README "Sensor ingest"), limited per hub by the services' bucket
 * limiter (which allows every batch while a shared limiter's Redis is down: `core/limits/outage-policy.ts`).
 */
export const ingestEvents = handle(...routes.ingestEvents, async function receiveBatch(c) {
  const { sql, config, limiters } = c.env.services;
  const { hub, key } = await authenticateHub(sql, c.req.header('authorization'));
  const contentType = c.req.header('content-type');
  if (contentType && !/^application\/json\b/i.test(contentType)) {
    throw new ApiError({ code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'Send the batch as application/json' });
  }
  const decision = await limiters.bucket.take(`ingest:hub:${hub.id}`, {
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
    body = JSON.parse(utf8.decode(raw));
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
});
