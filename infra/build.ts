// `npm run build`: bundles our TypeScript into plain ESM for the container images, so production runs `node`
// with no TypeScript loader and no devDependencies. Packages stay external: node_modules (installed with
// `npm ci --omit=dev`) provides them, native add-ons (uWebSockets.js, node-datachannel) included.
import { cpSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

/** Entry points and the file each becomes under dist/ (the Dockerfile's commands name these). */
export const bundles = {
  functions: 'functions/node.ts',
  realtime: 'realtime/main.ts',
  // The node starts it as a worker thread from next to itself (realtime/channel-thread.mjs when run from source).
  'channel-thread': 'realtime/channels/channel-thread.ts',
  migrate: 'infra/migrate.ts',
  seed: 'infra/seed.ts',
  // The Upstash REST protocol in front of compose's Redis (the redis-http service).
  'redis-rest-bridge': 'infra/redis-rest-bridge/main.ts',
} as const;

const outdir = process.argv[2] ?? 'dist';
rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: Object.entries(bundles).map(([out, entry]) => ({ in: entry, out })),
  outdir,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  packages: 'external',
  platform: 'node',
  target: 'node20',
  format: 'esm',
  sourcemap: 'linked',
  logLevel: 'warning',
});
// db/migrate.ts finds the migrations next to itself (import.meta.url); bundled, "itself" is dist/<entry>.mjs.
cpSync('db/migrations', `${outdir}/migrations`, { recursive: true });
// realtime/camera/whep-routes.ts reads viewer.html next to itself the same way.
cpSync('realtime/camera/viewer.html', `${outdir}/viewer.html`);
console.log(`bundled ${Object.keys(bundles).join(', ')} into ${outdir}/`);
