import type { WindowLimiter } from '../../core/limits/limiter';
import { ApiError } from '../lib/problem';

export interface LoginRateLimits {
  windowSeconds: number;
  /** Failed attempts per account in a window; the account is the normalised email, whatever organisation is named. */
  perAccount: number;
  /** Failed attempts per client address in a window (a care centre's staff may share one address). */
  perIp: number;
}

export const defaultLoginRateLimits: LoginRateLimits = { windowSeconds: 15 * 60, perAccount: 5, perIp: 50 };

/** A login attempt that holds a unit of its account's (and address's) failure budget until it is settled. */
export interface LoginAttempt {
  /** The password was right (or the attempt ended without checking one): give the reserved units back. */
  release(): Promise<void>;
}

/**
 * Counts this attempt as a failure before the password is checked, and refuses it (429 with `retry-after`) when
 * that passes the account's or the address's budget; `release()` uncounts it once the password proved right.
 *
 * Why count first: checking the count and recording a failure afterwards is read-then-write, and N attempts sent at
 * once all read a count under the limit, so N passwords get tried. Counting first is one atomic increment per key
 * (a Lua script on Redis, one synchronous step in memory), so at most `perAccount` passwords per account and
 * `perIp` per address are ever checked in a window, however many arrive together and on however many processes.
 * An attempt refused on one key is uncounted on the other, so a blocked address cannot use up an account's budget.
 */
export async function reserveLoginAttempt(
  limiter: WindowLimiter,
  account: string,
  ip: string | undefined,
  limits: LoginRateLimits = defaultLoginRateLimits,
): Promise<LoginAttempt> {
  const { windowSeconds } = limits;
  const hits = await Promise.all([
    limiter.hit(`login:account:${account}`, { limit: limits.perAccount, windowSeconds }),
    ...(ip ? [limiter.hit(`login:ip:${ip}`, { limit: limits.perIp, windowSeconds })] : []),
  ]);
  const release = () => Promise.all(hits.map((hit) => hit.refund())).then(() => undefined);
  const refused = hits.filter((hit) => !hit.allowed);
  if (refused.length > 0) {
    await Promise.all(hits.filter((hit) => hit.allowed).map((hit) => hit.refund()));
    throw new ApiError({
      code: 'RATE_LIMITED',
      detail: 'Too many failed login attempts; try again later',
      headers: { 'retry-after': String(Math.max(...refused.map((hit) => hit.retryAfterSeconds))) },
    });
  }
  return { release };
}
