import { createBaseApp } from './create-app';
import { alertTextRoutes } from './routes/alert-texts';
import { alertRoutes } from './routes/alerts';
import { analyticsRoutes } from './routes/analytics';
import { assignmentRoutes } from './routes/assignments';
import { authRoutes } from './routes/auth';
import { cameraRoutes } from './routes/cameras';
import { deviceRoutes } from './routes/devices';
import { docsRoutes } from './routes/docs';
import { escalationPolicyRoutes } from './routes/escalation-policies';
import { healthRoutes } from './routes/health';
import { hubRoutes } from './routes/hubs';
import { ingestRoutes } from './routes/ingest';
import { integrationRoutes } from './routes/integrations';
import { meRoutes } from './routes/me';
import { notificationRuleRoutes } from './routes/notification-rules';
import { onCallRoutes } from './routes/on-call';
import { organisationRoutes } from './routes/organisation';
import { pushRoutes } from './routes/push';
import { reportRoutes } from './routes/reports';
import { residentRoutes } from './routes/residents';
import { staffRoutes } from './routes/staff';
import { teamRoutes } from './routes/teams';
import { webhookEndpointRoutes } from './routes/webhook-endpoints';

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
    .route('/v1/alert-texts', alertTextRoutes)
    .route('/v1/reports', reportRoutes)
    .route('/v1/push', pushRoutes)
    .route('/v1/notification-rules', notificationRuleRoutes)
    .route('/v1/escalation-policies', escalationPolicyRoutes)
    .route('/v1/teams', teamRoutes)
    .route('/v1/on-call', onCallRoutes)
    .route('/v1/organisation', organisationRoutes)
    .route('/v1/webhook-endpoints', webhookEndpointRoutes)
    .route('/v1/integrations', integrationRoutes)
    .route('/', ingestRoutes())
    .route('/', analyticsRoutes);
  // Mounted last so the generated document sees every route above; it is excluded from itself.
  return app.route('/', docsRoutes(app));
}

/** Hono RPC type of the whole API, for the mobile web app's typed client (`hc<AppType>(baseUrl)`). */
export type AppType = ReturnType<typeof createApp>;
