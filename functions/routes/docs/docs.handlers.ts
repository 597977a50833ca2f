import type { Hono } from 'hono';
import { generateSpecs } from 'hono-openapi';
import type { AppEnv } from '../../lib/context';
import { handle } from '../../lib/handlers';
import { documentation, withWebhooks } from './docs.document';
import { docsAssetFiles, isDocsAssetFile } from './docs-assets';

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
 * `/openapi.json` generated from the routes' valibot schemas (of `app`, excluding these routes), built once per
 * isolate.
 */
export function openApiDocument(app: Hono<AppEnv>) {
  let spec: Promise<unknown> | undefined;
  return handle(async (c) => {
    spec ??= generateSpecs(app, { documentation, exclude: ['/openapi.json', /^\/docs/] }).then(withWebhooks);
    return c.json(await spec);
  });
}

/** `/docs`: Swagger UI served from the swagger-ui-dist npm package by this app (no CDN; the docs work offline). */
export const docsUi = handle((c) => c.html(docsPage));

export const docsUiInit = handle((c) => c.body(docsInit, 200, { 'content-type': 'text/javascript' }));

export const docsAsset = handle(async (c) => {
  const file = c.req.param('file') ?? '';
  const body = isDocsAssetFile(file) ? await c.env.services.docsAssets?.(file) : undefined;
  if (!body || !isDocsAssetFile(file)) return c.notFound();
  return c.body(body, 200, { 'content-type': docsAssetFiles[file], 'cache-control': 'public, max-age=86400' });
});
