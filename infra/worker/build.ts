import { readFile } from 'node:fs/promises';
import { build, type Plugin } from 'esbuild';

/** The same aliases as wrangler.toml's [alias]: schema libraries hono-openapi could load but we never use. */
const unusedSchemaVendors = ['effect', 'sury', 'zod-openapi', 'zod-to-json-schema', 'zod/v4/core'];

/** The docs UI's files become text modules, like wrangler.toml's [[rules]] type "Text". */
const docsAssetsAsText: Plugin = {
  name: 'docs-assets-as-text',
  setup(builder) {
    builder.onLoad({ filter: /swagger-ui-dist[\\/](swagger-ui-bundle\.js|swagger-ui\.css)$/ }, async (args) => ({
      contents: await readFile(args.path, 'utf8'),
      loader: 'text',
    }));
  },
};

/**
 * Bundles functions/worker.ts for workerd the way `wrangler deploy` does (esbuild, `workerd` export condition, ESM),
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
    alias: Object.fromEntries(unusedSchemaVendors.map((name) => [name, './infra/worker/unused-schema-vendor.js'])),
    plugins: [docsAssetsAsText],
    logLevel: 'warning',
  });
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await buildWorker(process.argv[2] ?? '.wrangler/carewatch-worker.js');
}
