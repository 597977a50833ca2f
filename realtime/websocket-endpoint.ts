import type uWS from 'uWebSockets.js';
import { randomUUID } from 'node:crypto';
import { InFlight } from '../core/in-flight';
import { Client, type ClientContext, type ConnectionData } from './client';
import type { ConnectionCapacity } from './connection-capacity';
import type { RealtimeConfig } from './env';
import { closeCodes } from './errors';
import { sendProblem } from './http-fallback';
import { LogLimiter } from './log-limiter';
import { BEARER_PREFIX, PROTOCOL, resumeFromSubprotocols } from './protocol';
import { ReceiptBatcher } from './receipts';
import type { SendQueueOptions } from './send-queue';
import { SessionReads } from './session-reads';

/** Bad frames tolerated on one connection before it is closed. */
const MAX_BAD_FRAMES = 10;

/** What the node hands the endpoint; the rest of each connection's context comes from the configuration. */
export type DashboardDependencies = Omit<
  ClientContext,
  'jwtSecret' | 'maxBadFrames' | 'sendQueue' | 'receipts' | 'sessionReads'
> & {
  /** Send-queue limits per connection (defaults suit dashboards; tests shrink them to provoke a slow client). */
  sendQueue?: Partial<SendQueueOptions>;
  capacity: ConnectionCapacity;
};

/** Seconds a refused dashboard is told to wait (nginx has already tried the other nodes by then). */
const FULL_RETRY_AFTER_SECONDS = 5;

/** The open dashboard connections of one endpoint, for shutdown. */
export interface WebSocketEndpoint {
  /** Open connections, authenticated or not: each holds a file. */
  readonly open: number;
  /** Open connections beyond which an upgrade is refused with 503 (`connection-capacity.ts`). */
  readonly maxConnections: number;
  /** Closes every connection with this code and reason (the clients reconnect elsewhere and resume). */
  endAll(code: number, reason: string): void;
  /**
   * Resolves once the frames already received are handled (or after `timeoutMs`) and their receipts written: a
   * lost receipt would only cause a re-send, but an ack cut half-way would leave the person thinking it was recorded.
   */
  settled(timeoutMs: number): Promise<void>;
}

/**
 * The dashboards' WebSocket endpoint: the upgrade checks the `carewatch.v1` subprotocol and reads the bearer and
 * resume subprotocols; the token is checked on open, or a first-frame `auth` is awaited; every text frame goes to
 * the connection's Client.
 */
export function serveDashboards(
  app: uWS.TemplatedApp,
  path: string,
  config: RealtimeConfig,
  dependencies: DashboardDependencies,
): WebSocketEndpoint {
  const context: ClientContext = {
    ...dependencies,
    jwtSecret: config.JWT_SECRET,
    maxBadFrames: MAX_BAD_FRAMES,
    receipts: new ReceiptBatcher(dependencies.sql, dependencies.nodeId, dependencies.logger),
    sessionReads: new SessionReads(dependencies.sql, {
      nodeId: dependencies.nodeId,
      resendSeconds: config.REALTIME_RESEND_SECONDS,
      logger: dependencies.logger,
    }),
    sendQueue: {
      highWaterBytes: 256 * 1024,
      maxQueuedFrames: 1000,
      ...dependencies.sendQueue,
      resendMs: config.REALTIME_RESEND_SECONDS * 1000,
      metrics: dependencies.metrics,
    },
  };
  const clients = new Set<Client>();
  const frames = new InFlight();
  const { maxConnections } = dependencies.capacity;
  const refusals = new LogLimiter(dependencies.logger, { nodeId: dependencies.nodeId });

  app.ws<ConnectionData>(path, {
    maxPayloadLength: 128 * 1024,
    idleTimeout: config.REALTIME_IDLE_TIMEOUT_SECONDS,
    sendPingsAutomatically: true,
    maxBackpressure: 1024 * 1024,
    upgrade: (res, req, upgradeContext) => {
      if (clients.size >= maxConnections) {
        dependencies.metrics.connectionsRefused++;
        refusals.warn('node full: dashboard upgrade refused with 503', { open: clients.size, maxConnections });
        sendProblem(
          res,
          503,
          'Service Unavailable',
          `this node holds its maximum of ${maxConnections} dashboard connections; connect again to reach another node`,
          { 'retry-after': String(FULL_RETRY_AFTER_SECONDS) },
        );
        return;
      }
      const key = req.getHeader('sec-websocket-key');
      const extensions = req.getHeader('sec-websocket-extensions');
      const offered = req
        .getHeader('sec-websocket-protocol')
        .split(',')
        .map((protocol) => protocol.trim());
      if (!offered.includes(PROTOCOL)) {
        sendProblem(res, 400, 'Bad Request', `offer the WebSocket subprotocol ${PROTOCOL}`);
        return;
      }
      const bearer = offered.find((protocol) => protocol.startsWith(BEARER_PREFIX));
      const resumeFrom = resumeFromSubprotocols(offered);
      if (resumeFrom === null) {
        sendProblem(res, 400, 'Bad Request', 'the resume.<n> subprotocol needs a non-negative integer sequence');
        return;
      }
      // Upgraded here and now; the token is checked in `open`. Never complete an upgrade later (after an await,
      // in res.cork): uWS v20.30's HttpResponse::cork then misses that the socket became a WebSocket when the
      // realloc keeps its address, reads HTTP state from freed memory and may close the fresh socket right after
      // `open` (1006, no frame) — a dashboard lost its connection at random (uNetworking/uWebSockets#1928).
      res.upgrade<ConnectionData>(
        { connectionId: newConnectionId(), token: bearer ? bearer.slice(BEARER_PREFIX.length) : null, resumeFrom },
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

  return {
    get open() {
      return clients.size;
    },
    maxConnections,
    endAll: (code, reason) => {
      for (const client of [...clients]) client.end(code, reason);
    },
    settled: async (timeoutMs) => {
      await frames.settled(timeoutMs);
      await context.receipts.drained();
    },
  };
}

/**
 * A v4 UUID as one flat string. `randomUUID()` answers a chain of a dozen concatenated pieces, which every open
 * connection would hold on to: ~490 bytes each instead of ~64.
 */
function newConnectionId(): string {
  return Buffer.from(randomUUID(), 'latin1').toString('latin1');
}
