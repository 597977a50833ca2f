// hono-openapi's schema converters import every validation library they support on demand; only valibot is used
// here. Bundles for workerd alias the others to this module (wrangler.toml [alias], infra/worker/build.ts), since
// workerd refuses a bundle with unresolved imports.
throw new Error('This schema library is not bundled in the worker; CareWatch uses valibot.');
