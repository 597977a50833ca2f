import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { request } from '../../infra/testing/api-harness';
import { startTestFunctions } from '../../infra/testing/functions';
import { clientIpBehindProxies } from './client-ip';

const nginx = new Set(['10.0.0.2']);

describe('clientIpBehindProxies', () => {
  test.each([
    [
      'no trusted proxies: the peer, whatever the header says',
      '10.0.0.2',
      '203.0.113.7',
      new Set<string>(),
      '10.0.0.2',
    ],
    ['peer not trusted: the header is ignored', '198.51.100.1', '203.0.113.7', nginx, '198.51.100.1'],
    ['trusted peer: the forwarded client', '10.0.0.2', '203.0.113.7', nginx, '203.0.113.7'],
    ['trusted peer, dual-stack socket address', '::ffff:10.0.0.2', '203.0.113.7', nginx, '203.0.113.7'],
    ['a client-written entry on the left is not believed', '10.0.0.2', '1.2.3.4, 203.0.113.7', nginx, '203.0.113.7'],
    [
      'trusted hops on the right are skipped',
      '10.0.0.2',
      '203.0.113.7, 10.0.0.3',
      new Set([...nginx, '10.0.0.3']),
      '203.0.113.7',
    ],
    ['trusted peer without the header: the peer', '10.0.0.2', undefined, nginx, '10.0.0.2'],
    ['a garbage hop: the peer', '10.0.0.2', '203.0.113.7, not-an-ip', nginx, '10.0.0.2'],
    ['IPv6 client', '10.0.0.2', '2001:db8::1', nginx, '2001:db8::1'],
  ])('%s', (_label, peer, header, trusted, expected) => {
    expect(clientIpBehindProxies(peer, header, trusted)).toBe(expected);
  });
});

/** Fails logins (unknown accounts, so only the per-address limit can trip) until 429, from the given X-Forwarded-For. */
async function failUntilBlocked(baseUrl: string, forwardedFor: string): Promise<number[]> {
  const statuses: number[] = [];
  for (let attempt = 0; attempt < 60 && !statuses.includes(429); attempt++) {
    const response = await request(baseUrl, 'POST', '/v1/auth/login', {
      headers: { 'x-forwarded-for': forwardedFor },
      body: { email: `nobody-${attempt}@nowhere.carewatch.test`, password: 'wrong-password' },
    });
    statuses.push(response.status);
  }
  return statuses;
}

const loginStatus = async (baseUrl: string, forwardedFor: string) =>
  (
    await request(baseUrl, 'POST', '/v1/auth/login', {
      headers: { 'x-forwarded-for': forwardedFor },
      body: { email: 'someone-else@nowhere.carewatch.test', password: 'wrong-password' },
    })
  ).status;

describe.each([
  ['behind a trusted proxy (TRUSTED_PROXIES=127.0.0.1)', '127.0.0.1', true],
  ['without TRUSTED_PROXIES', '', false],
] as const)('login rate limit per client address %s', (_label, trusted, perForwardedClient) => {
  let server: Awaited<ReturnType<typeof startTestFunctions>>;
  beforeAll(async () => {
    server = await startTestFunctions({ TRUSTED_PROXIES: trusted, LOG_LEVEL: 'error' });
  });
  afterAll(() => server.stop());

  test(
    perForwardedClient ? 'each forwarded client has its own budget' : 'X-Forwarded-For cannot dodge it',
    async () => {
      const statuses = await failUntilBlocked(server.server.url, '203.0.113.7');
      expect(statuses.at(-1)).toBe(429);
      expect(statuses.slice(0, -1).every((status) => status === 401)).toBe(true);
      // A spoofed entry to the left of the proxy-written one changes nothing either way.
      expect(await loginStatus(server.server.url, '198.51.100.9, 203.0.113.7')).toBe(429);
      expect(await loginStatus(server.server.url, '203.0.113.8')).toBe(perForwardedClient ? 401 : 429);
    },
  );
});
