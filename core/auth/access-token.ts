import { sign, verify } from 'hono/jwt';
import * as v from 'valibot';
import { type Actor, staffRoles } from '../../db/actor';

/** The only algorithm we issue and the only one we accept: an attacker cannot pick `none` or RS/HS confusion. */
export const ACCESS_TOKEN_ALG = 'HS256';
export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;

export { type StaffRole, staffRoles } from '../../db/actor';

const AccessClaims = v.object({
  sub: v.pipe(v.string(), v.uuid()),
  org: v.pipe(v.string(), v.uuid()),
  role: v.picklist(staffRoles),
  exp: v.number(),
  iat: v.number(),
});

/** Who is calling, as proven by a verified access token. Shared by the API and the realtime node. */
export interface StaffIdentity extends Actor {
  expiresAt: number;
}

export async function issueAccessToken(
  identity: Omit<StaffIdentity, 'expiresAt'>,
  secret: string,
  ttlSeconds = ACCESS_TOKEN_TTL_SECONDS,
  now = Math.floor(Date.now() / 1000),
): Promise<{ token: string; expiresAt: number }> {
  const expiresAt = now + ttlSeconds;
  const token = await sign(
    { sub: identity.staffId, org: identity.orgId, role: identity.role, iat: now, exp: expiresAt },
    secret,
    ACCESS_TOKEN_ALG,
  );
  return { token, expiresAt };
}

/** Verifies signature, algorithm and expiry; returns null for anything that is not a valid access token. */
export async function verifyAccessToken(token: string, secret: string): Promise<StaffIdentity | null> {
  try {
    const payload = await verify(token, secret, ACCESS_TOKEN_ALG);
    const claims = v.parse(AccessClaims, payload);
    return { staffId: claims.sub, orgId: claims.org, role: claims.role, expiresAt: claims.exp };
  } catch {
    return null;
  }
}
