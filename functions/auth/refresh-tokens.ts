import { and, eq, isNull } from 'drizzle-orm';
import { base64Url, sha256Hex } from '../../core/auth/sha256';
import type { Database } from '../../db/client';
import { refreshTokens, staff } from '../../db/schema';

export const REFRESH_TOKEN_TTL_SECONDS = 30 * 24 * 3600;

export interface IssuedRefreshToken {
  token: string;
  familyId: string;
}

/** Stores the hash of a fresh random token; the token itself is returned once and never stored. */
export async function issueRefreshToken(
  db: Pick<Database, 'insert'>,
  staffId: string,
  familyId: string = crypto.randomUUID(),
): Promise<IssuedRefreshToken> {
  const token = `cwr_${base64Url(crypto.getRandomValues(new Uint8Array(32)))}`;
  await db.insert(refreshTokens).values({
    staffId,
    familyId,
    tokenHash: await sha256Hex(token),
    expiresAt: new Date(Date.now() + REFRESH_TOKEN_TTL_SECONDS * 1000),
  });
  return { token, familyId };
}

export type RotationResult =
  | { ok: true; staff: typeof staff.$inferSelect; refreshToken: string }
  | { ok: false; reason: 'unknown' | 'expired' | 'revoked' | 'reused' | 'inactive' };

/**
 * Spends a refresh token and issues its successor in the same family. Presenting a token that was already
 * spent means it was copied: the whole family is revoked, logging out both the thief and the owner.
 */
export async function rotateRefreshToken(db: Database, token: string): Promise<RotationResult> {
  const tokenHash = await sha256Hex(token);
  return db.transaction(async (tx) => {
    const [row] = await tx.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, tokenHash)).for('update');
    if (!row) return { ok: false, reason: 'unknown' } as const;
    if (row.revokedAt) return { ok: false, reason: 'revoked' } as const;
    if (row.usedAt) {
      await tx
        .update(refreshTokens)
        .set({ revokedAt: new Date() })
        .where(and(eq(refreshTokens.familyId, row.familyId), isNull(refreshTokens.revokedAt)));
      return { ok: false, reason: 'reused' } as const;
    }
    if (row.expiresAt.getTime() <= Date.now()) return { ok: false, reason: 'expired' } as const;
    const [person] = await tx.select().from(staff).where(eq(staff.id, row.staffId));
    if (!person?.active) return { ok: false, reason: 'inactive' } as const;
    await tx.update(refreshTokens).set({ usedAt: new Date() }).where(eq(refreshTokens.id, row.id));
    const next = await issueRefreshToken(tx, row.staffId, row.familyId);
    return { ok: true, staff: person, refreshToken: next.token } as const;
  });
}

/** Revokes the family of a token if it belongs to this staff member; false when it does not. */
export async function revokeRefreshFamily(db: Database, staffId: string, token: string): Promise<boolean> {
  const tokenHash = await sha256Hex(token);
  const [row] = await db
    .select({ familyId: refreshTokens.familyId })
    .from(refreshTokens)
    .where(and(eq(refreshTokens.tokenHash, tokenHash), eq(refreshTokens.staffId, staffId)));
  if (!row) return false;
  await db
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(refreshTokens.familyId, row.familyId), isNull(refreshTokens.revokedAt)));
  return true;
}

/** Revokes every refresh token of a staff member (logout everywhere, deactivation). */
export async function revokeAllRefreshTokens(db: Database, staffId: string): Promise<void> {
  await db
    .update(refreshTokens)
    .set({ revokedAt: new Date() })
    .where(and(eq(refreshTokens.staffId, staffId), isNull(refreshTokens.revokedAt)));
}
