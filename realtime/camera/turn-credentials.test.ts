import { describe, expect, test } from 'vitest';
import { withTurnCredentials } from './turn-credentials';

describe('short-lived TURN credentials (coturn --use-auth-secret)', () => {
  const servers = [
    { urls: 'stun:stun.example:3478' },
    { urls: ['turn:turn.example:3478', 'turns:turn.example:5349'] },
    { urls: 'turn:static.example:3478', username: 'fixed', credential: 'kept' },
  ];
  const now = 1_700_000_000_000;

  test('TURN entries without a username get <expiry>:<who> and its HMAC-SHA1, as coturn computes it', () => {
    const result = withTurnCredentials(servers, { secret: 'turn-secret', ttlSeconds: 3600 }, 'staff-1', now);
    expect(result[0]).toEqual({ urls: 'stun:stun.example:3478' });
    // Expected value from: printf '1700003600:staff-1' | openssl dgst -sha1 -hmac turn-secret -binary | base64
    expect(result[1]).toMatchObject({ username: '1700003600:staff-1', credential: 'A1fWcVJ8reY19PI4sbMl8Mx0YvE=' });
    expect(result[2]).toEqual(servers[2]);
  });

  test('without a shared secret the configured servers are handed out unchanged', () => {
    expect(withTurnCredentials(servers, { secret: '', ttlSeconds: 3600 }, 'staff-1', now)).toEqual(servers);
  });
});
