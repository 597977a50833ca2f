// The API server for `npm run bench:api` (and the hubs' ingest endpoint for `npm run bench:realtime`), in its own
// process so the load generator does not share its event loop.
// `--cache none` swaps in a cache that never hits, to measure the uncached path of the same build.
import { parseArgs } from 'node:util';
import type { Cache } from '../../core/cache/cache';
import { parseFunctionsEnv } from '../../functions/env';
import { startFunctions } from '../../functions/node';

const neverHits: Cache = {
  kind: 'memory',
  get: async () => undefined,
  readThrough: async (_key, _ttl, load) => ({ value: await load(), hit: false }),
  invalidate: async () => true,
  invalidateMatching: async () => 0,
  increment: async () => 1,
  health: async () => ({ ok: true }),
};

const { values } = parseArgs({ options: { cache: { type: 'string', default: 'configured' } } });
const running = await startFunctions(parseFunctionsEnv({ ...process.env, PORT: '0' }));
if (values.cache === 'none') running.services.cache = neverHits;
console.log(
  JSON.stringify({ url: running.url, cache: values.cache === 'none' ? 'none' : running.services.cache.kind }),
);
process.once('SIGTERM', () => {
  running.close().then(() => process.exit(0));
});
