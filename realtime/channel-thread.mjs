// Run from source (tsx, vitest): loads the channel thread's TypeScript. `npm run build` puts the bundled thread at
// this same path next to the bundled node (dist/channel-thread.mjs), so `new URL('./channel-thread.mjs')` finds either.
import { tsImport } from 'tsx/esm/api';

await tsImport('./channels/channel-thread.ts', import.meta.url);
