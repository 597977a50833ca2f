import { type ChildProcess, spawn } from 'node:child_process';
import { type AddressInfo, createServer as createNetServer } from 'node:net';
import { createInterface } from 'node:readline';
import { createRedisRestBridge } from './bridge';

/** A bridge on a random loopback port over the machine's Redis, for tests. */
export async function startTestBridge(options: { redisPort?: number } = {}) {
  const token = `test-token-${crypto.randomUUID()}`;
  const { server } = createRedisRestBridge({ token, redisPort: options.redisPort });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * The bridge as its own OS process (`main.ts`, node + tsx), for tests that kill it: `kill()` SIGKILLs it (no
 * goodbye to anyone), `restart()` starts a fresh one on the same port, so clients configured with `url` find it
 * again, as they would find Upstash after an outage.
 */
export async function startBridgeProcess() {
  const token = `test-token-${crypto.randomUUID()}`;
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const started = spawn(process.execPath, ['--import', 'tsx', 'infra/redis-rest-bridge/main.ts'], {
      env: { ...process.env, REDIS_REST_TOKEN: token, REDIS_REST_HOST: '127.0.0.1', REDIS_REST_PORT: String(port) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    child = started;
    const lines = createInterface({ input: started.stdout as NodeJS.ReadableStream });
    await new Promise<void>((resolve, reject) => {
      started.once('exit', (code) => reject(new Error(`redis REST bridge exited with ${code} before listening`)));
      lines.on('line', (line) => {
        if (line.includes('redis REST bridge listening')) resolve();
      });
    });
  };
  const kill = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGKILL');
    await exited;
  };
  await start();
  return { url: `http://127.0.0.1:${port}`, token, kill, restart: start, close: kill };
}

/** A port the OS reports free now (listen on 0, read it, close): nothing listens there, a connection is refused. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createNetServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
