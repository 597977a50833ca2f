import type uWS from 'uWebSockets.js';
import type { Logger } from '../core/logger';
import type { Sql } from '../db/client';
import { answerUnrouted } from './http-fallback';
import type { Metrics } from './metrics';

export interface HttpEndpointsContext {
  sql: Sql;
  nodeId: string;
  metrics: Metrics;
  logger: Logger;
  /** Connections and connected staff members here, as health and metrics report them. */
  registry: { readonly connections: number; readonly staffCount: number };
  /** Open WebSocket connections (authenticated or not) and how many this node takes before refusing with 503. */
  dashboards: { readonly open: number; readonly maxConnections: number };
  /** Whether event media can be stored (the camera service's `mediaHealth`); absent without a camera service. */
  media?: () => Promise<{ status: 'ok' | 'degraded' | 'off'; store?: string; error?: string }>;
}

/**
 * The node's HTTP side: `GET /healthz` (the database answers?), `GET /metrics` (Prometheus text), the routes
 * `extraRoutes` adds (e.g. WHEP), and a problem+json answer for everything else (see answerUnrouted).
 */
export function serveHttp(
  app: uWS.TemplatedApp,
  context: HttpEndpointsContext,
  websocketPath: string,
  extraRoutes?: (app: uWS.TemplatedApp) => void,
): void {
  app.get('/healthz', (res) => answerLater(res, health(context)));
  app.get('/metrics', (res) => answerLater(res, metrics(context)));
  extraRoutes?.(app);
  answerUnrouted(app, { '/healthz': ['GET'], '/metrics': ['GET'], [websocketPath]: ['GET'] }, websocketPath);
}

interface Answer {
  status: string;
  contentType: string;
  body: string;
}

/**
 * 503 `down` when the database does not answer (no alert can move); 200 `degraded` when only event media cannot be
 * stored (alerts are unaffected, evidence is not being kept); 200 `ok` otherwise.
 */
async function health({ sql, nodeId, registry, dashboards, media }: HttpEndpointsContext): Promise<Answer> {
  const started = performance.now();
  const [database, mediaHealth] = await Promise.all([
    sql`select 1`
      .then(() => ({ ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 }))
      .catch((error: Error) => ({ ok: false, error: error.message })),
    media?.().catch((error: Error) => ({ status: 'degraded' as const, error: error.message })),
  ]);
  const status = !database.ok ? 'down' : mediaHealth?.status === 'degraded' ? 'degraded' : 'ok';
  return {
    status: database.ok ? '200 OK' : '503 Service Unavailable',
    contentType: 'application/json',
    body: JSON.stringify({
      status,
      service: 'realtime',
      nodeId,
      connections: registry.connections,
      // A full node is healthy (it refuses new dashboards, nginx sends them on); null: no limit known.
      maxConnections: Number.isFinite(dashboards.maxConnections) ? dashboards.maxConnections : null,
      full: dashboards.open >= dashboards.maxConnections,
      database,
      ...(mediaHealth ? { media: mediaHealth } : {}),
    }),
  };
}

async function metrics({ sql, nodeId, metrics, logger, registry, dashboards }: HttpEndpointsContext): Promise<Answer> {
  const { maxConnections } = dashboards;
  const { status, body } = await metrics
    .render(sql, { connections: registry.connections, staff: registry.staffCount, nodeId, maxConnections })
    .then((text) => ({ status: '200 OK', body: text }))
    .catch((error: Error) => {
      logger.error('metrics failed', { error: error.message });
      return { status: '503 Service Unavailable', body: 'metrics unavailable\n' };
    });
  return { status, contentType: 'text/plain; version=0.0.4', body };
}

/** Answers once `answer` is ready, unless the client went away meanwhile (uWS forbids touching an aborted response). */
function answerLater(res: uWS.HttpResponse, answer: Promise<Answer>): void {
  let aborted = false;
  res.onAborted(() => {
    aborted = true;
  });
  void answer.then(({ status, contentType, body }) => {
    if (aborted) return;
    res.cork(() => {
      res.writeStatus(status).writeHeader('content-type', contentType).end(body);
    });
  });
}
