import { describe, expect, test } from 'vitest';
import { sha1, UpstashScripts, withoutUpstashFlags } from './upstash-scripts';

describe('Upstash-only script flags, rewritten for Redis', () => {
  test.each([
    ['#!lua flags=allow-key-locking\nreturn 1', '\nreturn 1'],
    ['#!lua flags=no-writes,allow-key-locking\nreturn 1', '#!lua flags=no-writes\nreturn 1'],
    ['#!lua flags=allow-key-locking,allow-stale\nreturn 1', '#!lua flags=allow-stale\nreturn 1'],
    ['#!lua flags=allow-key-locking', ''],
  ])('%j → %j', (sent, run) => {
    expect(withoutUpstashFlags(sent)).toBe(run);
  });

  test.each([
    'return 1',
    '#!lua\nreturn 1',
    '#!lua flags=no-writes\nreturn 1',
    '-- #!lua flags=allow-key-locking\nreturn 1',
  ])('%j is left as it is', (sent) => {
    expect(withoutUpstashFlags(sent)).toBeUndefined();
  });

  test("EVALSHA of the client's hash runs the rewritten script once the bridge has seen it", () => {
    const scripts = new UpstashScripts();
    const sent = '#!lua flags=allow-key-locking\nreturn 1';
    const run = '\nreturn 1';
    // Not seen yet: passed through, so Redis answers NOSCRIPT and the client falls back to EVAL.
    expect(scripts.translate(['EVALSHA', sha1(sent), '0']).args).toEqual(['EVALSHA', sha1(sent), '0']);
    expect(scripts.translate(['EVAL', sent, '0']).args).toEqual(['EVAL', run, '0']);
    expect(scripts.translate(['evalsha', sha1(sent).toUpperCase(), '0']).args).toEqual(['evalsha', sha1(run), '0']);
    expect(scripts.translate(['SCRIPT', 'EXISTS', sha1(sent), 'abc']).args).toEqual([
      'SCRIPT',
      'EXISTS',
      sha1(run),
      'abc',
    ]);
  });

  test("SCRIPT LOAD loads the rewritten script and answers the hash of the client's text, as Upstash does", () => {
    const scripts = new UpstashScripts();
    const sent = '#!lua flags=allow-key-locking\nreturn 2';
    const load = scripts.translate(['script', 'load', sent]);
    expect(load.args).toEqual(['SCRIPT', 'LOAD', '\nreturn 2']);
    expect(load.reply(Buffer.from(sha1('\nreturn 2')))).toBe(sha1(sent));
  });

  test('other commands pass through untouched', () => {
    const scripts = new UpstashScripts();
    expect(scripts.translate(['GET', 'k']).args).toEqual(['GET', 'k']);
    expect(scripts.translate(['SET', 'k', '#!lua flags=allow-key-locking']).args).toEqual([
      'SET',
      'k',
      '#!lua flags=allow-key-locking',
    ]);
  });
});
