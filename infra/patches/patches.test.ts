import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

// The install applied infra/patches/apply.mjs (postinstall): without it a PostgreSQL restart can kill a process
// through postgres.js's deferred write on a closed socket (porsager/postgres#1154). realtime/ack-faults.test.ts
// restarts PostgreSQL under acks and allows no crash; this names the cause at once when the patch is missing.
describe('dependency patches', () => {
  test('postgres.js skips a deferred write once its socket is gone, in every build it ships', () => {
    const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules', 'postgres');
    for (const file of ['src/connection.js', 'cjs/src/connection.js', 'cf/src/connection.js']) {
      const text = readFileSync(join(root, file), 'utf8');
      const nextWrite = text.slice(text.indexOf('function nextWrite('), text.indexOf('function connectTimedOut('));
      expect(nextWrite, file).toMatch(/^function nextWrite\(fn\) \{\n\s+if \(socket === null\) return/);
    }
  });
});
