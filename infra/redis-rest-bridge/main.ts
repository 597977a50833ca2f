import { createRedisRestBridge } from './bridge';

/** `npx tsx infra/redis-rest-bridge/main.ts`: the local stand-in for Upstash over the Redis at REDIS_HOST:REDIS_PORT. */
const token = process.env.REDIS_REST_TOKEN;
if (!token || token.length < 16) {
  console.error('REDIS_REST_TOKEN (at least 16 characters) is required');
  process.exit(1);
}
const port = Number(process.env.REDIS_REST_PORT ?? 8079);
const host = process.env.REDIS_REST_HOST ?? '127.0.0.1';
const { server } = createRedisRestBridge({
  token,
  redisHost: process.env.REDIS_HOST ?? '127.0.0.1',
  redisPort: Number(process.env.REDIS_PORT ?? 6379),
});
// The port it got (REDIS_REST_PORT=0 asks the OS for a free one).
server.listen(port, host, () => {
  const address = server.address();
  const listening = typeof address === 'object' && address ? address.port : port;
  console.log(JSON.stringify({ message: 'redis REST bridge listening', host, port: listening }));
});
const stop = () => server.close(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
