import { and, asc, eq } from 'drizzle-orm';
import { ACCESS_TOKEN_TTL_SECONDS, issueAccessToken } from '../../../core/auth/access-token';
import { PASSWORD_ITERATIONS, verifyPassword } from '../../../core/auth/password';
import { pushSubscriptions, staff } from '../../../db/schema';
import { reserveLoginAttempt } from '../../auth/login-rate-limit';
import {
  issueRefreshToken,
  revokeAllRefreshTokens,
  revokeRefreshFamily,
  rotateRefreshToken,
} from '../../auth/refresh-tokens';
import type { AppContext } from '../../lib/context';
import { handle } from '../../lib/handlers';
import { orgScope } from '../../lib/org-scope';
import { ApiError } from '../../lib/problem';
import * as routes from './auth.routes';

type StaffRow = typeof staff.$inferSelect;

/**
 * A well-formed hash no password is known to match, with today's iteration count: verifying against it costs
 * exactly what verifying a real account costs. A constant, so even the first request of a process or isolate does
 * not pay for hashing it.
 */
const TIMING_DECOY_HASH = `pbkdf2-sha256$${PASSWORD_ITERATIONS}$Y2FyZXdhdGNoLWRlY295IQ==$${btoa('x'.repeat(32))}`;

const invalidCredentials = () => new ApiError({ code: 'UNAUTHORIZED', detail: 'Invalid email or password' });

async function sessionFor(c: AppContext, person: StaffRow, refreshToken: string) {
  const { token } = await issueAccessToken(
    { staffId: person.id, orgId: person.orgId, role: person.role },
    c.env.services.config.JWT_SECRET,
  );
  return {
    accessToken: token,
    tokenType: 'Bearer' as const,
    expiresIn: ACCESS_TOKEN_TTL_SECONDS,
    refreshToken,
    staff: { id: person.id, orgId: person.orgId, name: person.name, role: person.role, email: person.email },
  };
}

/**
 * The active accounts with this email (oldest first; at most one when orgId is given) and whether the password fits
 * the first. Exactly one PBKDF2 verification per call, so the response time says nothing about how many
 * organisations know this email: against the decoy when none does; otherwise against the oldest matching account
 * (emails being unique per organisation). An email in several organisations without orgId is asked to name one only
 * after the password proved that account, so the 422 tells nobody who does not already hold one of its passwords
 * that the email is shared.
 */
async function checkPassword(c: AppContext, email: string, password: string, orgId: string | undefined) {
  const candidates = await c.env.services.db
    .select()
    .from(staff)
    .where(and(eq(staff.email, email), eq(staff.active, true), orgId ? eq(staff.orgId, orgId) : undefined))
    .orderBy(asc(staff.createdAt), asc(staff.id));
  const verified = await verifyPassword(password, candidates[0]?.passwordHash ?? TIMING_DECOY_HASH);
  return { candidates, verified };
}

export const login = handle(...routes.login, async (c) => {
  const { email, password, orgId } = c.req.valid('json');
  const { db, limiters } = c.env.services;
  // One failure budget per email, whichever organisation is named: a budget per (org, email) would give an
  // attacker one more budget per organisation id they send.
  const account = email;
  // Counted as a failure from here on (atomically, before any password is checked); released unless it fails.
  const attempt = await reserveLoginAttempt(limiters.window, account, c.env.clientIp);
  const { candidates, verified } = await checkPassword(c, email, password, orgId).catch(async (error: unknown) => {
    // No password was judged (the database failed): an outage must not use up anyone's budget.
    await attempt.release();
    throw error;
  });
  const [candidate] = candidates;
  if (!candidate || !verified) throw invalidCredentials();
  await attempt.release();
  if (candidates.length > 1) {
    throw new ApiError({
      code: 'VALIDATION_FAILED',
      detail: 'This account exists in several organisations; say which one',
      errors: [{ field: 'body.orgId', message: 'is required for this email' }],
    });
  }
  const person = candidate;
  const refresh = await issueRefreshToken(db, person.id);
  return c.json(await sessionFor(c, person, refresh.token), 200);
});

export const refresh = handle(...routes.refresh, async (c) => {
  const { refreshToken } = c.req.valid('json');
  const rotation = await rotateRefreshToken(c.env.services.db, refreshToken);
  if (!rotation.ok) {
    if (rotation.reason === 'reused') {
      c.env.services.logger.warn('refresh token reused; family revoked', { requestId: c.get('requestId') });
    }
    throw new ApiError({ code: 'UNAUTHORIZED', detail: 'The refresh token is invalid, expired or revoked' });
  }
  return c.json(await sessionFor(c, rotation.staff, rotation.refreshToken), 200);
});

export const logout = handle(...routes.logout, async (c) => {
  const { refreshToken, pushEndpoint } = c.req.valid('json');
  const scope = orgScope(c);
  const { staffId } = scope.identity;
  const { db } = c.env.services;
  // Stored as the URL parser writes it (push-subscriptions' create); one that does not parse was never stored.
  if (pushEndpoint && URL.canParse(pushEndpoint)) {
    const mine = and(
      eq(pushSubscriptions.endpoint, new URL(pushEndpoint).href),
      eq(pushSubscriptions.staffId, staffId),
    );
    await scope.db.delete(pushSubscriptions).where(scope.where(pushSubscriptions, mine));
  }
  if (refreshToken) await revokeRefreshFamily(db, staffId, refreshToken);
  else await revokeAllRefreshTokens(db, staffId);
  return c.body(null, 204);
});
