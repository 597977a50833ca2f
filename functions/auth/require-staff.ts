import { createMiddleware } from 'hono/factory';
import type { StaffRole } from '../../core/auth/access-token';
import { createVerifiedTokenCache } from '../../core/auth/verified-tokens';
import type { AppEnv } from '../lib/context';
import { ApiError } from '../lib/problem';

/** One verified-token memo per JWT secret (one per process in practice; tests may run several secrets). */
const verifiers = new Map<string, ReturnType<typeof createVerifiedTokenCache>>();
function verifierFor(secret: string) {
  let verify = verifiers.get(secret);
  if (!verify) {
    verify = createVerifiedTokenCache(secret);
    verifiers.set(secret, verify);
  }
  return verify;
}

/**
 * Reads `Authorization: Bearer <access token>`; on success `c.get('identity')` holds the caller. The token must be
 * valid and its staff member still active (`services.activeStaff`, the rule the WebSocket applies too).
 */
export function requireStaff(options: { roles?: readonly StaffRole[] } = {}) {
  const roles = options.roles;
  if (roles && roles.length === 0) throw new Error('requireStaff: roles, when given, must name at least one role');
  return createMiddleware<AppEnv>(async function requireStaffMiddleware(c, next) {
    const header = c.req.header('authorization') ?? '';
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    if (!match?.[1]) {
      throw new ApiError({
        code: 'UNAUTHORIZED',
        detail: 'Send an access token as "Authorization: Bearer <token>"',
        headers: { 'www-authenticate': 'Bearer realm="carewatch"' },
      });
    }
    const { config, activeStaff, sql } = c.env.services;
    const identity = await verifierFor(config.JWT_SECRET)(match[1]);
    if (!identity) {
      throw new ApiError({
        code: 'UNAUTHORIZED',
        detail: 'The access token is invalid or expired',
        headers: { 'www-authenticate': 'Bearer realm="carewatch", error="invalid_token"' },
      });
    }
    if (!(activeStaff.known(identity) ?? (await activeStaff.check(sql, identity)))) {
      throw new ApiError({
        code: 'UNAUTHORIZED',
        detail: 'The staff member of this access token is no longer active',
        headers: { 'www-authenticate': 'Bearer realm="carewatch", error="invalid_token"' },
      });
    }
    if (roles && !roles.includes(identity.role)) {
      throw new ApiError({ code: 'FORBIDDEN', detail: `This action needs one of the roles: ${roles.join(', ')}` });
    }
    c.set('identity', identity);
    await next();
  });
}
