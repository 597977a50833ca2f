import { toJsonSchema } from '@valibot/to-json-schema';
import { SIGNED_REQUEST_HEADERS } from '../integrations/integrations.routes';
import { AlertNotificationSchema } from '../integrations/integrations.schemas';

export const alertNotificationJsonSchema = toJsonSchema(AlertNotificationSchema, {
  errorMode: 'ignore',
});

/** The call CareWatch makes to an integration (OpenAPI 3.1 `webhooks`). */
export const alertNotificationWebhook = {
  post: {
    tags: ['integrations'],
    summary: 'CareWatch asks an integration to reach a staff member about an alert',
    description:
      `Sent to each endpoint a notification rule names, with ${SIGNED_REQUEST_HEADERS.replace('`CareWatch-Endpoint` (the endpoint id), ', '`CareWatch-Endpoint`, ')}. ` +
      'Verify the signature over the raw body before parsing it, refuse stale timestamps, and de-duplicate by ' +
      '`CareWatch-Webhook-Id`: a request that timed out is sent again with the same id. Answer 2xx when it is ' +
      'taken (then report back to `callbackUrl`: POST /v1/integrations/callbacks); 429 and 5xx are retried with ' +
      'backoff, other answers fail the attempt.',
    requestBody: {
      required: true,
      content: { 'application/json': { schema: { $ref: '#/components/schemas/AlertNotification' } } },
    },
    responses: {
      '200': { description: 'Taken; the outcome comes by callback' },
      '429': { description: 'Busy: retried after Retry-After or the backoff' },
      '500': { description: 'Failed: retried with backoff up to CHANNEL_MAX_TRIES' },
    },
  },
};

/**
 * The OpenAPI document's own parts: what the API is, its security schemes and tags; the paths come from the routes,
 * the webhook CareWatch calls is added by `withWebhooks` (hono-openapi's document type has no room for it).
 */
export const documentation = {
  info: {
    title: 'CareWatch API',
    version: '1.0.0',
    description:
      'Edge API of CareWatch: staff authentication, residents, staff, assignments, hubs, devices, cameras, ' +
      'alerts, analytics, sensor ingest from hubs, Web Push and integration webhooks. Every query is scoped to the caller’s organisation; ids of other organisations answer 404. Errors ' +
      'are RFC 9457 problem+json with a `requestId` and, for validation, one entry per bad field. Request bodies ' +
      'reject unknown fields; unknown query parameters are ignored.',
  },
  openapi: '3.1.0',
  components: {
    securitySchemes: {
      bearerAuth: {
        type: 'http' as const,
        scheme: 'bearer',
        bearerFormat: 'JWT',
        description: 'Access token from /v1/auth/login',
      },
      hubKey: {
        type: 'http' as const,
        scheme: 'bearer',
        description: 'A sensor hub’s API key (shown once by POST /v1/hubs or POST /v1/hubs/{id}/rotate-key)',
      },
    },
  },
  tags: [
    { name: 'auth', description: 'Login, refresh-token rotation, logout, the caller' },
    { name: 'residents', description: 'Elderly residents: register, profile, discharge, erase' },
    { name: 'staff', description: 'Care workers, managers and admins' },
    { name: 'assignments', description: 'Which staff look after which resident, in escalation order' },
    { name: 'hubs', description: 'Home gateways and their API keys' },
    { name: 'devices', description: 'Sensors on a hub' },
    { name: 'cameras', description: 'Room cameras and the consent they need' },
    { name: 'alerts', description: 'Alerts (read-only here; acknowledged over the WebSocket)' },
    { name: 'ingest', description: 'Sensor events from home hubs (hub API key)' },
    { name: 'analytics', description: 'Resident timelines, activity and the at-risk ranking' },
    { name: 'health', description: 'Liveness and dependency health' },
    { name: 'push', description: 'Web Push: subscriptions, and what the service worker reports' },
    { name: 'notification rules', description: 'Which channels reach staff, after which delays, per severity' },
    { name: 'integrations', description: "The organisation's webhook endpoints and their callbacks" },
  ],
};

/** The generated document with OpenAPI 3.1's `webhooks` and the schema they name. */
export function withWebhooks<Spec extends { components?: { schemas?: Record<string, unknown> } }>(spec: Spec) {
  return {
    ...spec,
    components: {
      ...spec.components,
      schemas: { ...spec.components?.schemas, AlertNotification: alertNotificationJsonSchema },
    },
    webhooks: { alertNotification: alertNotificationWebhook },
  };
}
