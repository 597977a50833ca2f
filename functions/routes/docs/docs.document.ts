/** The OpenAPI document's own parts: what the API is, its security schemes and tags; the paths come from the routes. */
export const documentation = {
  info: {
    title: 'CareWatch API',
    version: '1.0.0',
    description:
      'Edge API of CareWatch: staff authentication, residents, staff, assignments, hubs, devices, cameras, ' +
      'alerts, analytics and sensor ingest from hubs. Every query is scoped to the caller’s organisation; ids of other organisations answer 404. Errors ' +
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
  ],
};
