import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isStorableText, unstorableTextPaths } from './storable-text';

const anyUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));
/** ES2024's well-formedness check (not in this project's TypeScript lib), as the reference. */
const isWellFormed = (text: string) => (text as unknown as { isWellFormed(): boolean }).isWellFormed();

describe('storable text: what PostgreSQL text and jsonb accept', () => {
  test('storable exactly when well-formed UTF-16 without NUL', () => {
    fc.assert(
      fc.property(fc.string({ unit: anyUnit }), (text) => {
        expect(isStorableText(text)).toBe(isWellFormed(text) && !text.includes('\u0000'));
      }),
      { numRuns: 2000 },
    );
  });

  test('finds values and keys at any depth, by path', () => {
    const paths = unstorableTextPaths({
      name: 'ok',
      contacts: [{ name: 'Lee\u0000' }, 'fine', '\ud800'],
      thresholds: { 'heart\u0000Rate': { min: 1 } },
    });
    expect(paths.map((path) => path.join('.')).sort()).toEqual([
      'contacts.0.name',
      'contacts.2',
      'thresholds.heart\u0000Rate',
    ]);
  });

  test('a deeply nested body is walked without overflowing the stack', () => {
    const depth = 50_000;
    const deep = JSON.parse(`${'['.repeat(depth)}"\\u0000"${']'.repeat(depth)}`);
    expect(unstorableTextPaths(deep)[0]).toHaveLength(depth);
  });
});
