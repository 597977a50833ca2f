import uWS from 'uWebSockets.js';
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { watchAlertChanges } from '../core/cache/alert-invalidation';
import { guardedByGeneration } from '../core/cache/generation-guard';
import { createUpstashCache } from '../core/cache/upstash-cache';
import { InFlight } from '../core/in-flight';
import { createLogger, type Logger } from '../core/logger';
import { createDatabase, type Sql } from '../db/client';
import { attachCameraService } from './camera';
import type { CameraSignalling } from './camera-signalling';
import { Client, type ClientContext, type ConnectionData } from './client';
import { ConnectionUpkeep } from './connection-upkeep';
import { Dispatcher } from './dispatcher';
import type { RealtimeConfig } from './env';
import { closeCodes } from './errors';
import { answerUnrouted } from './http-fallback';
import { Hub } from './hub';
import { startRealtimeJobs } from './jobs';
import { Metrics } from './metrics';
import { BEARER_PREFIX, PROTOCOL, resumeFromSubprotocols } from './protocol';
import { ReceiptBatcher } from './receipts';
import type { WriterOptions } from './writer';

export interface RealtimeNode {
  readonly nodeId: string;
  readonly port: number;
  readonly url: string;
  /** ws:// URL of the dashboard endpoint. */
  readonly wsUrl: string;
  readonly sql: Sql;
  readonly logger: Logger;
  readonly hub: Hub;
  stop(): Promise<void>;
}

export interface RealtimeNodeOptions {
  /** Brokers camera.* frames; without one they are answered "camera service unavailable". */
  camera?: CameraSignalling;
  /**
   * Environment to configure the built-in camera service from (`realtime/camera`, ICE_SERVERS, CAMERA_*): when given,
   * the node runs the camera service, brokers camera.* frames with it and serves WHEP on the same app.
   */
  cameraEnv?: Record<string, unknown>;
  /** Registers extra HTTP routes (e.g. WHEP) on the same uWS app before it listens. */
  routes?: (app: uWS.TemplatedApp) => void;
  /** Send-queue limits per connection (defaults suit dashboards; tests shrink them to provoke a slow client). */
  writer?: Partial<WriterOptions>;
}

/**
 * Starts the realtime node: one uWebSockets.js app serving `/ws` (dashboards), `/healthz` and `/metrics`, plus
 * the dispatcher that turns database wake-ups into alert frames. Nothing lives only in memory: a node can be
 * killed at any moment and its successor (or any other node) finds the outstanding deliveries in PostgreSQL.
 */
export async function startRealtimeNode(
  config: RealtimeConfig,
  host = '127.0.0.1',
  options: RealtimeNodeOptions = {},
): Promise<RealtimeNode> {
  const nodeId = config.NODE_ID ?? `${hostname()}:${process.pid}`;
  const logger = createLogger('realtime', config.LOG_LEVEL);
  const { sql, close } = createDatabase(config.DATABASE_URL, {
    max: 10,
    applicationName: `carewatch-realtime ${nodeId}`,
  });
  const hub = new Hub();
  const metrics = new Metrics();
  const dispatcher = new Dispatcher({
    sql,
    hub,
    metrics,
    logger,
    nodeId,
    resendSeconds: config.REALTIME_RESEND_SECONDS,
    maxSends: config.REALTIME_MAX_SENDS,
  });
  const app = uWS.App();
  const cameraService = options.cameraEnv
    ? attachCameraService(app, { sql, logger, jwtSecret: config.JWT_SECRET, env: options.cameraEnv })
    : undefined;
  const context: ClientContext = {
    sql,
    nodeId,
    jwtSecret: config.JWT_SECRET,
    hub,
    metrics,
    logger,
    camera: options.camera ?? cameraService?.cameras,
    resendSeconds: config.REALTIME_RESEND_SECONDS,
    receipts: new ReceiptBatcher(sql, nodeId, logger),
    maxBadFrames: 10,
    writer: { highWaterBytes: 256 * 1024, maxQueuedFrames: 1000, ...options.writer },
    onReady: (client) => {
      if (client.staffId) dispatcher.connected(client.staffId);
    },
  };
  const clients = new Set<Client>();
  const frames = new InFlight();

  app.ws<ConnectionData>('/ws', {
    maxPayloadLength: 128 * 1024,
    idleTimeout: config.REALTIME_IDLE_TIMEOUT_SECONDS,
    sendPingsAutomatically: true,
    maxBackpressure: 1024 * 1024,
    upgrade: (res, req, upgradeContext) => {
      const key = req.getHeader('sec-websocket-key');
      const extensions = req.getHeader('sec-websocket-extensions');
      const offered = req
        .getHeader('sec-websocket-protocol')
        .split(',')
        .map((protocol) => protocol.trim());
      if (!offered.includes(PROTOCOL)) {
        res.writeStatus('400 Bad Request').writeHeader('content-type', 'application/problem+json');
        res.end(badRequest(`offer the WebSocket subprotocol ${PROTOCOL}`));
        return;
      }
      const bearer = offered.find((protocol) => protocol.startsWith(BEARER_PREFIX));
      const resumeFrom = resumeFromSubprotocols(offered);
      if (resumeFrom === null) {
        res.writeStatus('400 Bad Request').writeHeader('content-type', 'application/problem+json');
        res.end(badRequest('the resume.<n> subprotocol needs a non-negative integer sequence'));
        return;
      }
      // Upgraded here and now; the token is checked in `open`. Never complete an upgrade later (after an await,
      // in res.cork): uWS v20.30's HttpResponse::cork then misses that the socket became a WebSocket when the
      // realloc keeps its address, reads HTTP state from freed memory and may close the fresh socket right after
      // `open` (1006, no frame) — a dashboard lost its connection at random (uNetworking/uWebSockets#1928).
      res.upgrade<ConnectionData>(
        { connectionId: randomUUID(), token: bearer ? bearer.slice(BEARER_PREFIX.length) : null, resumeFrom },
        key,
        PROTOCOL,
        extensions,
        upgradeContext,
      );
    },
    open: (ws) => {
      const data = ws.getUserData();
      const client = new Client(ws, data.connectionId, context);
      data.client = client;
      clients.add(client);
      if (data.token !== null) {
        client.authenticateOnOpen(data.token, data.resumeFrom);
        data.token = null;
        return;
      }
      setTimeout(() => {
        if (!client.identity) client.end(closeCodes.authTimeout, 'no auth frame in time');
      }, config.REALTIME_AUTH_TIMEOUT_MS).unref();
    },
    message: (ws, message) => {
      const text = Buffer.from(message).toString('utf8');
      const client = ws.getUserData().client;
      if (client) void frames.track(client.handle(text));
    },
    drain: (ws) => ws.getUserData().client?.drain(),
    close: (ws) => {
      const client = ws.getUserData().client;
      if (!client) return;
      clients.delete(client);
      client.closedBySocket();
    },
  });

  app.get('/healthz', (res) => {
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    const started = performance.now();
    sql`select 1`
      .then(() => ({ ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 }))
      .catch((error: Error) => ({ ok: false, error: error.message }))
      .then((database) => {
        if (aborted) return;
        res.cork(() => {
          res
            .writeStatus(database.ok ? '200 OK' : '503 Service Unavailable')
            .writeHeader('content-type', 'application/json')
            .end(
              JSON.stringify({
                status: database.ok ? 'ok' : 'down',
                service: 'realtime',
                nodeId,
                connections: hub.connections,
                database,
              }),
            );
        });
      });
  });

  app.get('/metrics', (res) => {
    let aborted = false;
    res.onAborted(() => {
      aborted = true;
    });
    metrics
      .render(sql, { connections: hub.connections, staff: hub.staffCount, nodeId })
      .then((body) => ({ status: '200 OK', body }))
      .catch((error: Error) => {
        logger.error('metrics failed', { error: error.message });
        return { status: '503 Service Unavailable', body: 'metrics unavailable\n' };
      })
      .then(({ status, body }) => {
        if (aborted) return;
        res.cork(() => {
          res.writeStatus(status).writeHeader('content-type', 'text/plain; version=0.0.4').end(body);
        });
      });
  });

  options.routes?.(app);
  answerUnrouted(app, { '/healthz': ['GET'], '/metrics': ['GET'], '/ws': ['GET'] }, '/ws');
  await dispatcher.start();
  const upkeep = new ConnectionUpkeep({ hub, pingSeconds: config.REALTIME_PING_SECONDS });
  upkeep.start();
  const jobs = startRealtimeJobs({
    sql,
    logger,
    config,
    nodeId,
    hub,
    metrics,
    dispatcher,
    camera: cameraService && {
      service: cameraService.service,
      recheckMs: cameraService.config.CAMERA_ACCESS_RECHECK_MS,
    },
  });
  const profileWatch =
    config.UPSTASH_REDIS_REST_URL && config.UPSTASH_REDIS_REST_TOKEN
      ? watchAlertChanges(
          sql,
          guardedByGeneration(
            createUpstashCache({ url: config.UPSTASH_REDIS_REST_URL, token: config.UPSTASH_REDIS_REST_TOKEN, logger }),
            sql,
            logger,
          ),
          logger,
        )
      : undefined;
  await profileWatch?.ready;

  const listenSocket = await new Promise<uWS.us_listen_socket>((resolve, reject) => {
    app.listen(host, config.REALTIME_PORT, (socket) => {
      if (socket) resolve(socket);
      else reject(new Error(`realtime node could not listen on ${host}:${config.REALTIME_PORT}`));
    });
  });
  const port = uWS.us_socket_local_port(listenSocket);

  return {
    nodeId,
    port,
    url: `http://${host}:${port}`,
    wsUrl: `ws://${host}:${port}/ws`,
    sql,
    logger,
    hub,
    stop: async () => {
      uWS.us_listen_socket_close(listenSocket);
      upkeep.stop();
      await jobs.stop();
      for (const client of [...clients]) client.end(closeCodes.goingAway, 'node shutting down; reconnect and resume');
      await dispatcher.stop();
      // Receipts, acks and resolves already received are written before the pool ends (a lost receipt would
      // only cause a re-send, but an ack cut half-way would leave the person thinking it was recorded).
      await frames.settled(SHUTDOWN_GRACE_MS);
      await context.receipts.drained();
      await profileWatch?.stop().catch(() => {});
      await cameraService?.stop();
      await close();
    },
  };
}

const SHUTDOWN_GRACE_MS = 10_000;

/** The only HTTP refusal of `/ws` (no `carewatch.v1` subprotocol), as problem+json. */
function badRequest(detail: string): string {
  return JSON.stringify({ type: 'about:blank', title: 'Bad Request', status: 400, detail });
}
