import type { Cache } from '../../core/cache/cache';
import { ApiError } from '../lib/problem';

export interface LoginRateLimits {
  windowSeconds: number;
  /** Failed attempts per account in a window; the account is the normalised email, whatever organisation is named. */
  perAccount: number;
  /** Failed attempts per client address in a window (a care centre's staff may share one address). */
  perIp: number;
}

export const defaultLoginRateLimits: LoginRateLimits = { windowSeconds: 15 * 60, perAccount: 5, perIp: 50 };

const currentWindow = (limits: LoginRateLimits) => Math.floor(Date.now() / 1000 / limits.windowSeconds);
const accountKey = (account: string, window: number) => `cw:login-failures:account:${account}:${window}`;
const ipKey = (ip: string, window: number) => `cw:login-failures:ip:${ip}:${window}`;

/**
 * Refuses a login when the account or the address has too many recent failures (fixed windows in the cache,
 * memory or Upstash). When the cache is down the attempt is allowed: locking every care worker out because
 * Redis is down would be worse than a short unthrottled window (the cache logs the outage).
 */
export async function assertLoginAllowed(
  cache: Cache,
  account: string,
  ip: string | undefined,
  limits: LoginRateLimits = defaultLoginRateLimits,
): Promise<void> {
  const window = currentWindow(limits);
  const [accountFailures, ipFailures] = await Promise.all([
    cache.get<number>(accountKey(account, window)),
    ip ? cache.get<number>(ipKey(ip, window)) : Promise.resolve(undefined),
  ]);
  if ((accountFailures ?? 0) >= limits.perAccount || (ipFailures ?? 0) >= limits.perIp) {
    const retryAfter = (window + 1) * limits.windowSeconds - Math.floor(Date.now() / 1000);
    throw new ApiError({
      code: 'RATE_LIMITED',
      detail: 'Too many failed login attempts; try again later',
      headers: { 'retry-after': String(Math.max(1, retryAfter)) },
    });
  }
}

export async function recordLoginFailure(
  cache: Cache,
  account: string,
  ip: string | undefined,
  limits: LoginRateLimits = defaultLoginRateLimits,
): Promise<void> {
  const window = currentWindow(limits);
  await Promise.all([
    cache.increment(accountKey(account, window), limits.windowSeconds),
    ip ? cache.increment(ipKey(ip, window), limits.windowSeconds) : undefined,
  ]);
}
