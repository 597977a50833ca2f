import fc from 'fast-check';
import { expect, test } from 'vitest';
import { answerRange } from './byte-range';

test('any Range header and size: never throws; a partial answer lies inside the object; whole or 416 otherwise', () => {
  const header = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc
      .tuple(fc.option(fc.nat()), fc.option(fc.nat()), fc.constantFrom('', ',', ' ', '\0', 'e3'))
      .map(([a, b, tail]) => `bytes=${a ?? ''}-${b ?? ''}${tail}`),
    fc.bigInt({ min: 0n, max: 10n ** 30n }).map((n) => `bytes=${n}-`),
  );
  fc.assert(
    fc.property(fc.option(header, { nil: undefined }), fc.nat({ max: 1_000_000 }), (value, size) => {
      const answer = answerRange(value, size);
      if (answer.kind === 'partial') {
        expect(Number.isSafeInteger(answer.range.start) && Number.isSafeInteger(answer.range.end)).toBe(true);
        expect(0 <= answer.range.start && answer.range.start <= answer.range.end && answer.range.end < size).toBe(true);
      }
    }),
    { numRuns: 2_000 },
  );
});

test.each([
  [undefined, 10, { kind: 'whole' }],
  ['bytes=0-4', 10, { kind: 'partial', range: { start: 0, end: 4 } }],
  ['bytes=5-', 10, { kind: 'partial', range: { start: 5, end: 9 } }],
  ['bytes=-3', 10, { kind: 'partial', range: { start: 7, end: 9 } }],
  ['bytes=8-100', 10, { kind: 'partial', range: { start: 8, end: 9 } }],
  ['bytes=10-', 10, { kind: 'unsatisfiable' }],
  ['bytes=-0', 10, { kind: 'unsatisfiable' }],
  ['bytes=-5', 0, { kind: 'unsatisfiable' }],
  ['bytes=4-2', 10, { kind: 'whole' }],
  ['bytes=0-1,3-4', 10, { kind: 'whole' }],
  ['pages=0-1', 10, { kind: 'whole' }],
  ['bytes=0x10-', 10, { kind: 'whole' }],
])('%s of %i bytes → %o', (header, size, expected) => {
  expect(answerRange(header, size)).toEqual(expected);
});
