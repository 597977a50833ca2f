import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';
import { alertStatesBlock, END_MARKER, START_MARKER } from './alert-states-diagram';

test('the README shows the alert state machine exactly as generated from its tables', () => {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
  const start = readme.indexOf(START_MARKER);
  const end = readme.indexOf(END_MARKER);
  expect(start, 'README.md has the alert-states markers').toBeGreaterThanOrEqual(0);
  // Regenerate with `npm run docs:alert-states -- --write`.
  expect(readme.slice(start, end + END_MARKER.length)).toBe(alertStatesBlock());
});
