import { and, eq } from 'drizzle-orm';
import type { AnyPgColumn, PgTable } from 'drizzle-orm/pg-core';
import type { Database } from '../../db/client';
import { ApiError } from './problem';

/**
 * Checks that an id sent in a body names a row of the caller's organisation; otherwise a 422 on that field
 * (the same answer whether the row is missing or belongs to another organisation).
 */
export async function assertInOrg(
  db: Pick<Database, 'select'>,
  table: PgTable & { id: AnyPgColumn; orgId: AnyPgColumn },
  id: string,
  orgId: string,
  field: string,
): Promise<void> {
  const [row] = await db
    .select({ id: table.id })
    .from(table)
    .where(and(eq(table.id, id), eq(table.orgId, orgId)));
  if (!row) {
    throw new ApiError({
      code: 'VALIDATION_FAILED',
      detail: 'The request body is invalid',
      errors: [{ field: `body.${field}`, message: 'does not exist in your organisation' }],
    });
  }
}

/** ISO strings for the timestamp fields drizzle returns as Date. */
export function withIsoDates<T extends Record<string, unknown>>(
  row: T,
): { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] } {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row)) out[key] = value instanceof Date ? value.toISOString() : value;
  return out as { [K in keyof T]: T[K] extends Date ? string : T[K] extends Date | null ? string | null : T[K] };
}
