import { analyticsRoutes } from './analytics/analytics.routes';
import { createBaseApp } from './create-app';
import { ingestRoutes } from './ingest/ingest.routes';
import { healthRoutes } from './routes/health/health.routes';

/** The whole HTTP API: the same app object runs on Node and on Cloudflare Workers. */
export function createApp() {
  return createBaseApp().route('/', healthRoutes).route('/', ingestRoutes()).route('/', analyticsRoutes);
}

export type AppType = ReturnType<typeof createApp>;
