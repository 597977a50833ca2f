// Applies the project's small patches to installed dependencies (run by `postinstall`, and by the Dockerfile,
// whose `npm ci` runs with --ignore-scripts). Each patch is idempotent and fails loudly when the text it expects
// is gone, so an upgrade that changes the code (or fixes it upstream) is noticed instead of silently unpatched.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/**
 * postgres.js 3.4.x: a write smaller than 1 KiB is deferred with setImmediate; when the connection closes first,
 * `closed()` nulls the socket and the deferred `nextWrite` throws a TypeError no caller can catch, killing the
 * process (porsager/postgres#1066, #1154; open fix PRs #1168, #1176). Seen here when PostgreSQL restarts under
 * acks: the realtime node died. The query was already rejected with CONNECTION_CLOSED, so the write is moot.
 */
const postgresNullSocket = {
  files: ['src/connection.js', 'cjs/src/connection.js', 'cf/src/connection.js'].map((file) =>
    join(root, 'node_modules', 'postgres', file),
  ),
  original: '  function nextWrite(fn) {\n    const x = socket.write(chunk, fn)\n',
  patched:
    '  function nextWrite(fn) {\n' +
    '    if (socket === null) return (chunk = nextWriteTimer = null, false) // carewatch: infra/patches/apply.mjs\n' +
    '    const x = socket.write(chunk, fn)\n',
};

let failed = false;
for (const patch of [postgresNullSocket]) {
  for (const file of patch.files) {
    if (!existsSync(file)) continue; // not installed here (e.g. a production stage without that package)
    const text = readFileSync(file, 'utf8');
    if (text.includes(patch.patched)) continue;
    if (!text.includes(patch.original)) {
      console.error(`patch does not apply to ${file}: the code changed (upgrade?) — check whether it is still needed`);
      failed = true;
      continue;
    }
    writeFileSync(file, text.replace(patch.original, patch.patched));
    console.log(`patched ${file.slice(root.length + 1)}`);
  }
}
if (failed) process.exit(1);
