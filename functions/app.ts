import { createBaseApp } from './create-app';
import { authRoutes } from './routes/auth/auth.routes';
import { docsRoutes } from './routes/docs/docs.routes';
import { healthRoutes } from './routes/health/health.routes';
import { meRoutes } from './routes/me/me.routes';
import { residentRoutes } from './routes/residents/residents.routes';

/** The whole HTTP API: the same app object runs on Node and on Cloudflare Workers. */
export function createApp() {
  const app = createBaseApp()
    .route('/', healthRoutes)
    .route('/v1/auth', authRoutes)
    .route('/v1/me', meRoutes)
    .route('/v1/residents', residentRoutes);
  return app.route('/', docsRoutes(app));
}

export type AppType = ReturnType<typeof createApp>;
