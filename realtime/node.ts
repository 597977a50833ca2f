import uWS from 'uWebSockets.js';
import { hostname } from 'node:os';
import { createLogger, type Logger } from '../core/logger';
import { createDatabase, type Sql } from '../db/client';
import { attachCameraService, type CameraService } from './camera';
import type { CameraSignalling } from './camera-signalling';
import { startChannelThread } from './channels/start-channel-thread';
import type { Client } from './client';
import { type ConnectionCapacity, connectionCapacity, openFileLimit } from './connection-capacity';
import { ConnectionRegistry } from './connection-registry';
import { Dispatcher } from './dispatcher';
import type { RealtimeConfig } from './env';
import { closeCodes } from './errors';
import { serveHttp } from './http-endpoints';
import { Metrics } from './metrics';
import { startPeriodicWork } from './periodic-work';
import { watchProfiles } from './profile-watch';
import type { SendQueueOptions } from './send-queue';
import { serveDashboards } from './websocket-endpoint';

export interface RealtimeNode {
  readonly nodeId: string;
  readonly port: number;
  readonly url: string;
  /** ws:// URL of the dashboard endpoint. */
  readonly wsUrl: string;
  readonly sql: Sql;
  readonly logger: Logger;
  readonly registry: ConnectionRegistry<Client>;
  /** The built-in camera service, when the node runs one (`cameraEnv`). */
  readonly camera?: CameraService;
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
  sendQueue?: Partial<SendQueueOptions>;
}

const WS_PATH = '/ws';
const SHUTDOWN_GRACE_MS = 10_000;
/**
 * How long a drain lets received frames finish before closing the dashboards. Busy dashboards never go quiet (each
 * new alert brings a receipt), so this bounds the drain; alerts still reach them until the close.
 */
const DRAIN_GRACE_MS = 2_000;

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
    max: 7,
    applicationName: `carewatch-realtime ${nodeId}`,
  });
  // The dispatcher's own connections: postgres.js queues (and pipelines) a pool's queries in order, so an alert's
  // claim would otherwise wait behind a reconnect storm's session reads, a broadcast's receipts or a job's sweep.
  const alertPath = createDatabase(config.DATABASE_URL, {
    max: 3,
    applicationName: `carewatch-realtime ${nodeId} alerts`,
  });
  const shared = { sql, nodeId, logger, registry: new ConnectionRegistry<Client>(), metrics: new Metrics() };
  const dispatcher = new Dispatcher({
    ...shared,
    sql: alertPath.sql,
    resendSeconds: config.REALTIME_RESEND_SECONDS,
    maxSends: config.REALTIME_MAX_SENDS,
  });
  const app = uWS.App();
  const cameraService = options.cameraEnv
    ? attachCameraService(app, { sql, logger, jwtSecret: config.JWT_SECRET, env: options.cameraEnv, nodeId })
    : undefined;
  const capacity = connectionCapacity({
    configured: config.REALTIME_MAX_CONNECTIONS,
    reserve: config.REALTIME_FD_RESERVE,
    fileLimit: openFileLimit(),
  });
  logCapacity(logger, capacity, config.REALTIME_FD_RESERVE);
  const dashboards = serveDashboards(app, WS_PATH, config, {
    ...shared,
    capacity,
    camera: options.camera ?? cameraService?.cameras,
    sendQueue: options.sendQueue,
    onReady: (client) => {
      if (client.staffId) dispatcher.connected(client.staffId);
    },
  });
  const mediaHealth = cameraService && (() => cameraService.service.mediaHealth());
  serveHttp(app, { ...shared, dashboards, media: mediaHealth }, WS_PATH, options.routes);
  await dispatcher.start();
  const stopPeriodicWork = startPeriodicWork({
    ...shared,
    config,
    dispatcher,
    camera: cameraService && {
      service: cameraService.service,
      recheckMs: cameraService.config.CAMERA_ACCESS_RECHECK_MS,
    },
  });
  const channels = await startChannelThread(config, {
    nodeId,
    logger,
    metrics: shared.metrics,
    threadUrl: new URL('./channel-thread.mjs', import.meta.url),
  });
  const profileWatch = await watchProfiles(config, sql, logger);
  const listenSocket = await listen(app, host, config.REALTIME_PORT);
  const port = uWS.us_socket_local_port(listenSocket);
  // Other nodes forward camera viewers here: a wildcard address is no address for them, the host name is.
  const reachableHost = host === '0.0.0.0' || host === '::' ? hostname() : host;
  cameraService?.listening(`http://${reachableHost}:${port}`);

  // Drain: no new connections (nginx sends new upgrades to the other nodes); the frames already received (acks,
  // receipts) finish while the sockets are still open — and the dispatcher keeps pushing new alerts to them
  // meanwhile, so a drain never makes an alert late; then every dashboard is told to reconnect elsewhere and resume
  // (nothing is lost: a resume replays every delivery after the client's sequence, whatever its state), the
  // dispatcher finishes its claim under way, and the channel thread the push/webhook attempts it claimed.
  const stop = async () => {
    uWS.us_listen_socket_close(listenSocket);
    await stopPeriodicWork();
    await dashboards.settled(DRAIN_GRACE_MS);
    dashboards.endAll(closeCodes.draining, 'node draining; reconnect and resume');
    await dispatcher.stop();
    await channels.stop();
    await dashboards.settled(SHUTDOWN_GRACE_MS);
    await profileWatch?.stop().catch(() => {});
    await cameraService?.stop();
    await Promise.all([close(), alertPath.close()]);
  };
  return {
    ...shared,
    camera: cameraService?.service,
    port,
    url: `http://${host}:${port}`,
    wsUrl: `ws://${host}:${port}${WS_PATH}`,
    stop,
  };
}

function listen(app: uWS.TemplatedApp, host: string, port: number): Promise<uWS.us_listen_socket> {
  return new Promise((resolve, reject) => {
    app.listen(host, port, (socket) => {
      if (socket) resolve(socket);
      else reject(new Error(`realtime node could not listen on ${host}:${port}`));
    });
  });
}

function logCapacity(logger: Logger, capacity: ConnectionCapacity, reserve: number): void {
  const { maxConnections, fileLimit, clampedFrom } = capacity;
  if (clampedFrom !== undefined) {
    logger.warn('REALTIME_MAX_CONNECTIONS is more than the open-file limit leaves; using what it leaves', {
      configured: clampedFrom,
      maxConnections,
      fileLimit,
      reserve,
    });
  } else if (fileLimit === null && !Number.isFinite(maxConnections)) {
    logger.warn('open-file limit unknown and REALTIME_MAX_CONNECTIONS unset: dashboards are not limited here');
  } else {
    logger.info('dashboard connections limited', { maxConnections, fileLimit });
  }
}
