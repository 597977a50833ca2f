import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { outboundPost, type Resolver } from './outbound-post';
import { outcomeOf } from './retry-policy';

/** A resolver that answers these addresses for every name (what a hostile DNS record can do). */
const answering =
  (...addresses: string[]): Resolver =>
  (_hostname, _options, callback) =>
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );

describe('outbound POSTs: a public-looking name that resolves to a private address is never connected to', () => {
  let connections = 0;
  const server = createServer((socket) => {
    connections++;
    socket.destroy();
  });
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const post = (url: string, resolve: Resolver) =>
    outboundPost(url, { headers: {}, body: '{}', timeoutMs: 2000, allowPrivate: false, resolve });

  test.each([
    ['loopback', ['127.0.0.1']],
    ['private', ['10.0.0.7']],
    ['link-local metadata', ['169.254.169.254']],
    ['IPv6 loopback', ['::1']],
    ['IPv4-mapped IPv6', ['::ffff:127.0.0.1']],
    ['one public and one private', ['93.184.216.34', '127.0.0.1']],
  ])('%s answer: refused, not retried, no connection made', async (_name, addresses) => {
    const answer = await post(`https://push.example.org:${port}/send/1`, answering(...addresses));
    expect(answer).toMatchObject({ ok: false, refused: true });
    expect(outcomeOf(answer, 1, { maxTries: 5 }).kind).toBe('failed');
    expect(connections).toBe(0);
  });

  test('a URL that is private as written is refused before any name is resolved', async () => {
    let asked = 0;
    const counting: Resolver = (hostname, options, callback) => {
      asked++;
      answering('93.184.216.34')(hostname, options, callback);
    };
    for (const url of [
      `https://127.0.0.1:${port}/`,
      'http://push.example.org/',
      'https://[::1]/',
      'https://intranet/',
    ]) {
      expect(await post(url, counting)).toMatchObject({ ok: false, refused: true });
    }
    expect(asked).toBe(0);
    expect(connections).toBe(0);
  });
});
