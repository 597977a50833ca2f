import { type StaffIdentity, verifyAccessToken } from './access-token';

/**
 * Remembers access tokens whose signature was already verified, until they expire. Web Crypto HMAC on Node runs
 * on the thread pool (~130 µs a token, a third of a cached profile read); a token seen again needs only the expiry
 * check. Safe because a token's claims cannot change without changing the token string; bounded, oldest first out.
 */
export function createVerifiedTokenCache(secret: string, maxEntries = 10_000, now: () => number = Date.now) {
  const verified = new Map<string, StaffIdentity>();
  return async function verify(token: string): Promise<StaffIdentity | null> {
    const known = verified.get(token);
    if (known) {
      if (known.expiresAt * 1000 > now()) return known;
      verified.delete(token);
      return null;
    }
    const identity = await verifyAccessToken(token, secret);
    if (!identity) return null;
    verified.set(token, identity);
    if (verified.size > maxEntries) {
      const oldest = verified.keys().next().value;
      if (oldest !== undefined) verified.delete(oldest);
    }
    return identity;
  };
}
