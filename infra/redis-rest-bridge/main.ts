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
server.listen(port, host, () => console.log(JSON.stringify({ message: 'redis REST bridge listening', host, port })));
const stop = () => server.close(() => process.exit(0));
process.once('SIGINT', stop);
process.once('SIGTERM', stop);
