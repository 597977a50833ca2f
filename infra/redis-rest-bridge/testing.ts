import type { AddressInfo } from 'node:net';
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
