import uWS from 'uWebSockets.js';
import { hostname } from 'node:os';
import { createDatabase, type Sql } from '../db/client';
import { createLogger, type Logger } from '../functions/lib/logger';
import type { RealtimeConfig } from './env';

export interface RealtimeNode {
  readonly nodeId: string;
  readonly port: number;
  readonly url: string;
  readonly sql: Sql;
  readonly logger: Logger;
  stop(): Promise<void>;
}

/** Starts the realtime node: one uWebSockets.js app serving health now, dashboards and signalling as they land. */
export async function startRealtimeNode(config: RealtimeConfig, host = '127.0.0.1'): Promise<RealtimeNode> {
  const nodeId = config.NODE_ID ?? `${hostname()}:${process.pid}`;
  const logger = createLogger('realtime', config.LOG_LEVEL);
  const { sql, close } = createDatabase(config.DATABASE_URL, {
    max: 10,
    applicationName: `carewatch-realtime ${nodeId}`,
  });
  const app = uWS.App();

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
            .end(JSON.stringify({ status: database.ok ? 'ok' : 'down', service: 'realtime', nodeId, database }));
        });
      });
  });

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
    sql,
    logger,
    stop: async () => {
      uWS.us_listen_socket_close(listenSocket);
      await close();
    },
  };
}
