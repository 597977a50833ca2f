import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { connectionCapacity, openFileLimit, parseOpenFileLimit } from './connection-capacity';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max cpu time              unlimited            unlimited            seconds
Max open files            20000                20000                files
Max locked memory         8388608              8388608              bytes
`;

describe('the open-file limit', () => {
  test('is the soft limit of /proc/<pid>/limits', () => {
    expect(parseOpenFileLimit(LIMITS)).toBe(20_000);
    expect(parseOpenFileLimit(LIMITS.replace('20000                20000', '1024                 524288'))).toBe(1024);
  });

  test('is unknown when unlimited or absent', () => {
    expect(parseOpenFileLimit(LIMITS.replace('20000                20000', 'unlimited            unlimited'))).toBe(
      null,
    );
    expect(parseOpenFileLimit('Max cpu time unlimited unlimited seconds\n')).toBe(null);
    expect(parseOpenFileLimit('')).toBe(null);
  });

  test("this process's is read on Linux", () => {
    if (process.platform !== 'linux') return;
    expect(openFileLimit()).toBeGreaterThan(0);
  });
});

describe('connection capacity', () => {
  test('the file limit less the reserve, lowered but never raised by REALTIME_MAX_CONNECTIONS', () => {
    expect(connectionCapacity({ configured: undefined, reserve: 512, fileLimit: 20_000 })).toEqual({
      maxConnections: 19_488,
      fileLimit: 20_000,
    });
    expect(connectionCapacity({ configured: 5_000, reserve: 512, fileLimit: 20_000 }).maxConnections).toBe(5_000);
    expect(connectionCapacity({ configured: 50_000, reserve: 512, fileLimit: 20_000 })).toEqual({
      maxConnections: 19_488,
      fileLimit: 20_000,
      clampedFrom: 50_000,
    });
    // A default limit of 1,024: the reserve takes at most half.
    expect(connectionCapacity({ configured: undefined, reserve: 512, fileLimit: 1_024 }).maxConnections).toBe(512);
    expect(connectionCapacity({ configured: undefined, reserve: 512, fileLimit: 400 }).maxConnections).toBe(200);
    expect(connectionCapacity({ configured: undefined, reserve: 512, fileLimit: null }).maxConnections).toBe(
      Number.POSITIVE_INFINITY,
    );
    expect(connectionCapacity({ configured: 300, reserve: 512, fileLimit: null }).maxConnections).toBe(300);
  });

  test('always leaves files for the node itself and takes at least one dashboard', () => {
    fc.assert(
      fc.property(
        fc.option(fc.integer({ min: 1, max: 2_000_000 }), { nil: undefined }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.option(fc.integer({ min: 2, max: 2_000_000 }), { nil: null }),
        (configured, reserve, fileLimit) => {
          const { maxConnections, clampedFrom } = connectionCapacity({ configured, reserve, fileLimit });
          expect(maxConnections).toBeGreaterThanOrEqual(1);
          if (configured !== undefined) expect(maxConnections).toBeLessThanOrEqual(configured);
          if (fileLimit !== null) {
            const kept = fileLimit - maxConnections;
            expect(kept).toBeGreaterThanOrEqual(Math.min(reserve, Math.floor(fileLimit / 2)));
          }
          expect(clampedFrom !== undefined).toBe(configured !== undefined && configured > maxConnections);
        },
      ),
    );
  });
});
