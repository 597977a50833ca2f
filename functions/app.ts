import { analyticsRoutes } from './analytics/analytics.routes';
import { createBaseApp } from './create-app';
import { ingestRoutes } from './ingest/ingest.routes';
import { alertRoutes } from './routes/alerts/alerts.routes';
import { assignmentRoutes } from './routes/assignments/assignments.routes';
import { authRoutes } from './routes/auth/auth.routes';
import { cameraRoutes } from './routes/cameras/cameras.routes';
import { deviceRoutes } from './routes/devices/devices.routes';
import { docsRoutes } from './routes/docs/docs.routes';
import { healthRoutes } from './routes/health/health.routes';
import { hubRoutes } from './routes/hubs/hubs.routes';
import { meRoutes } from './routes/me/me.routes';
import { residentRoutes } from './routes/residents/residents.routes';
import { staffRoutes } from './routes/staff/staff.routes';

/** The whole HTTP API: the same app object runs on Node and on Cloudflare Workers. */
export function createApp() {
  const app = createBaseApp()
    .route('/', healthRoutes)
    .route('/v1/auth', authRoutes)
    .route('/v1/me', meRoutes)
    .route('/v1/residents', residentRoutes)
    .route('/v1/staff', staffRoutes)
    .route('/v1/assignments', assignmentRoutes)
    .route('/v1/hubs', hubRoutes)
    .route('/v1/devices', deviceRoutes)
    .route('/v1/cameras', cameraRoutes)
    .route('/v1/alerts', alertRoutes)
    .route('/', ingestRoutes())
    .route('/', analyticsRoutes);
  // Mounted last so the generated document sees every route above; it is excluded from itself.
  return app.route('/', docsRoutes(app));
}

/** Hono RPC type of the whole API, for the mobile web app's typed client (`hc<AppType>(baseUrl)`). */
export type AppType = ReturnType<typeof createApp>;
