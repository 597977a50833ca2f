import { describePublicRoute, jsonResponse } from '../../lib/openapi';
import { CallbackAnswerSchema, CallbackBody } from './integrations.schemas';

export const SIGNED_REQUEST_HEADERS =
  '`CareWatch-Endpoint` (the endpoint id), `CareWatch-Webhook-Id` (unique per request, at most 200 characters), ' +
  '`CareWatch-Timestamp` (unix seconds, within 300 s of our clock) and `CareWatch-Signature: v1=<hex ' +
  'HMAC-SHA256(endpoint secret, "<timestamp>.<raw body>")>`';

export const callback = [
  describePublicRoute({
    tags: ['integrations'],
    summary: 'An integration reports on a call it received',
    description:
      `Signed like the calls it answers, with the same secret: ${SIGNED_REQUEST_HEADERS}. A request id is accepted ` +
      'once (409 for a replay); a bad signature, a stale timestamp or an unknown endpoint is a 401; an attempt ' +
      'that was not sent to this endpoint (another organisation’s included) a 404. `acknowledged` acknowledges the ' +
      'alert as the dashboard does: one winner, every queued attempt cancelled.',
    requestBody: { content: { 'application/json': { schema: { $ref: '#/components/schemas/IntegrationCallback' } } } },
    responses: { 200: jsonResponse('Recorded', CallbackAnswerSchema) },
    errors: ['UNAUTHORIZED', 'VALIDATION_FAILED', 'BAD_REQUEST', 'NOT_FOUND', 'CONFLICT', 'UNAVAILABLE'],
  }),
] as const;

export { CallbackBody };
