// The deployment's shape on loopback for browser tests: real nginx (HTTPS) in front of the real functions app and
// realtime node, each on its own port, on a database of the test file's own.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseEnv } from '../../core/env';
import { RealtimeEnv } from '../../realtime/env';
import { type RealtimeNode, startRealtimeNode } from '../../realtime/node';
import { type LocalNginx, startLocalNginx } from '../nginx/local-nginx';
import { startTestFunctions, TEST_JWT_SECRET } from './functions';
import { freePort } from './tls-client';

export interface EntryPointStack {
  functions: Awaited<ReturnType<typeof startTestFunctions>>;
  realtime: RealtimeNode;
  nginx: LocalNginx;
  /** Stops the realtime node; `startRealtime()` brings a new one up on the same port (nginx's upstream). */
  stopRealtime(): Promise<void>;
  startRealtime(): Promise<RealtimeNode>;
  stop(): Promise<void>;
}

/** Configuration added to each service's (e.g. VAPID keys for the push path). */
export interface StackOptions {
  functions?: Record<string, string>;
  realtime?: Record<string, string>;
}

export async function startEntryPointStack(options: StackOptions = {}): Promise<EntryPointStack> {
  const functions = await startTestFunctions(options.functions);
  const realtimePort = await freePort();
  const realtimeConfig = parseEnv(RealtimeEnv, {
    DATABASE_URL: functions.database.url,
    JWT_SECRET: TEST_JWT_SECRET,
    REALTIME_PORT: String(realtimePort),
    LOG_LEVEL: 'warn',
    ...options.realtime,
  });
  // The node runs its built-in camera service (defaults: host ICE candidates, OS-assigned ports) as in production.
  const startNode = () => startRealtimeNode(realtimeConfig, '127.0.0.1', { cameraEnv: {} });
  let realtime: RealtimeNode | undefined = await startNode();
  const dir = mkdtempSync(join(tmpdir(), 'carewatch-stack-'));
  const nginx = await startLocalNginx({
    dir,
    functionsUpstream: `127.0.0.1:${functions.server.port}`,
    realtimeUpstream: `127.0.0.1:${realtimePort}`,
    httpPort: await freePort(),
    httpsPort: await freePort(),
  });
  const stack: EntryPointStack = {
    functions,
    get realtime() {
      if (!realtime) throw new Error('the realtime node is stopped');
      return realtime;
    },
    nginx,
    stopRealtime: async () => {
      await realtime?.stop();
      realtime = undefined;
    },
    startRealtime: async () => {
      realtime = await startNode();
      return realtime;
    },
    stop: async () => {
      await nginx.stop();
      await realtime?.stop();
      await functions.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return stack;
}
