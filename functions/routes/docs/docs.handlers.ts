import type { Hono } from 'hono';
import { generateSpecs } from 'hono-openapi';
import { createRouter } from '../../create-app';
import type { AppEnv } from '../../lib/context';
import { docsAssetFiles, isDocsAssetFile } from './docs-assets';

const documentation = {
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

const docsPage = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>CareWatch API docs</title>
<link rel="stylesheet" href="/docs/assets/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/assets/swagger-ui-bundle.js"></script>
<script src="/docs/assets/docs-init.js"></script>
</body>
</html>`;

const docsInit = `window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', deepLinking: true,
  persistAuthorization: true, tryItOutEnabled: false, defaultModelsExpandDepth: 0 });`;

/**
 * `/openapi.json` generated from the routes' valibot schemas, and `/docs`: Swagger UI served from the
 * swagger-ui-dist npm package by this app (no CDN; the docs work offline). The spec is built once per isolate.
 */
export function docsRoutes(app: Hono<AppEnv>) {
  let spec: Promise<unknown> | undefined;
  return createRouter()
    .get('/openapi.json', async (c) => {
      spec ??= generateSpecs(app, { documentation, exclude: ['/openapi.json', /^\/docs/] });
      return c.json(await spec);
    })
    .get('/docs', (c) => c.html(docsPage))
    .get('/docs/assets/docs-init.js', (c) => c.body(docsInit, 200, { 'content-type': 'text/javascript' }))
    .get('/docs/assets/:file', async (c) => {
      const file = c.req.param('file');
      const body = isDocsAssetFile(file) ? await c.env.services.docsAssets?.(file) : undefined;
      if (!body || !isDocsAssetFile(file)) return c.notFound();
      return c.body(body, 200, { 'content-type': docsAssetFiles[file], 'cache-control': 'public, max-age=86400' });
    });
}
