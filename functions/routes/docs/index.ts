import type { Hono } from 'hono';
import { createRouter } from '../../create-app';
import type { AppEnv } from '../../lib/context';
import * as handlers from './docs.handlers';

/** `/openapi.json` of `app` and the `/docs` UI; these routes are left out of the document they serve. */
export function docsRoutes(app: Hono<AppEnv>) {
  return createRouter()
    .get('/openapi.json', ...handlers.openApiDocument(app))
    .get('/docs', ...handlers.docsUi)
    .get('/docs/assets/docs-init.js', ...handlers.docsUiInit)
    .get('/docs/assets/:file', ...handlers.docsAsset);
}
