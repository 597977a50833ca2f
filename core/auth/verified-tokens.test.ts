import { expect, test } from 'vitest';
import { issueAccessToken } from './access-token';
import { createVerifiedTokenCache } from './verified-tokens';

const secret = 'a-secret-that-is-long-enough-for-hs256-signing';
const identity = {
  staffId: '6f1d3c2a-1b2c-4d5e-8f90-123456789abc',
  orgId: '0b7e1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d',
  role: 'manager' as const,
};

test('a remembered token is still refused once it expires', async () => {
  let clock = Date.now();
  const verify = createVerifiedTokenCache(secret, 10, () => clock);
  const { token, expiresAt } = await issueAccessToken(identity, secret, 60);
  expect(await verify(token)).toMatchObject(identity);
  expect(await verify(token)).toMatchObject(identity);
  clock = expiresAt * 1000 + 1;
  expect(await verify(token)).toBeNull();
});

test('tokens signed with another secret, or tampered, are never remembered as valid', async () => {
  const verify = createVerifiedTokenCache(secret);
  const forged = await issueAccessToken(identity, 'another-secret-that-is-long-enough-for-hs256');
  expect(await verify(forged.token)).toBeNull();
  const { token } = await issueAccessToken(identity, secret);
  const [header, , signature] = token.split('.');
  const claims = btoa(JSON.stringify({ sub: identity.staffId, org: identity.orgId, role: 'admin', iat: 1, exp: 4e9 }))
    .replaceAll('=', '')
    .replaceAll('+', '-')
    .replaceAll('/', '_');
  expect(await verify(`${header}.${claims}.${signature}`)).toBeNull();
  expect(await verify(token)).toMatchObject({ role: 'manager' });
});

test('the memo is bounded: the oldest token is forgotten, then verified again', async () => {
  const verify = createVerifiedTokenCache(secret, 2);
  const tokens = await Promise.all([1, 2, 3].map((ttl) => issueAccessToken(identity, secret, 60 + ttl)));
  for (const { token } of tokens) expect(await verify(token)).not.toBeNull();
  expect(await verify(tokens[0]?.token ?? '')).not.toBeNull();
});
