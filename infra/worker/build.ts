import { build, type Plugin } from 'esbuild';

/**
 * hono-openapi's schema converters import every validation library they support on demand; only valibot is
 * used here, so the others become a module that fails if ever loaded (workerd refuses unresolved imports).
 */
const unusedSchemaVendors: Plugin = {
  name: 'unused-schema-vendors',
  setup(builder) {
    builder.onResolve(
      { filter: /^(effect|sury|zod|zod-openapi|zod-to-json-schema|arktype|@sinclair\/typebox)(\/.*)?$/ },
      (args) => ({
        path: args.path,
        namespace: 'unused-schema-vendor',
      }),
    );
    builder.onLoad({ filter: /.*/, namespace: 'unused-schema-vendor' }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not bundled in the worker`)});`,
      loader: 'js',
    }));
  },
};

/**
 * Bundles functions/worker.ts for workerd the way wrangler does (esbuild, `workerd` export condition, ESM),
 * leaving `cloudflare:*` and `node:*` imports to the runtime (`nodejs_compat`).
 */
export async function buildWorker(outfile: string): Promise<void> {
  await build({
    entryPoints: ['functions/worker.ts'],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    conditions: ['workerd', 'worker', 'browser', 'import'],
    mainFields: ['module', 'main'],
    external: ['cloudflare:*', 'node:*'],
    plugins: [unusedSchemaVendors],
    logLevel: 'warning',
    minify: false,
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildWorker(process.argv[2] ?? '.wrangler/carewatch-worker.js');
}
