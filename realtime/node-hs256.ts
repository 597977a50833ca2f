import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Hs256Check } from '../core/auth/access-token';

/**
 * HS256 with node:crypto: synchronous and a few microseconds, where Web Crypto's goes through the thread pool and
 * cost the node ~120 µs of its own thread per dashboard connecting (a reconnect storm brings thousands at once).
 */
export const nodeHs256: Hs256Check = (secret, signingInput, signature) => {
  const expected = createHmac('sha256', secret).update(signingInput).digest();
  return expected.length === signature.length && timingSafeEqual(expected, signature);
};
