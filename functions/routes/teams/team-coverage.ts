import { and, eq, inArray } from 'drizzle-orm';
import { type CoverageGap, coverageGaps } from '../../../db/on-call/schedule';
import { onCallRotations } from '../../../db/schema';
import type { Executor } from '../../lib/org-scope';

/** Each team's coverage gaps, from the shifts of its rotations (teams of `orgId` only). */
export async function coverageGapsOf(
  db: Executor,
  orgId: string,
  teamIds: string[],
): Promise<Map<string, CoverageGap[]>> {
  const rows =
    teamIds.length === 0
      ? []
      : await db
          .select({ teamId: onCallRotations.teamId, shifts: onCallRotations.shifts })
          .from(onCallRotations)
          .where(and(eq(onCallRotations.orgId, orgId), inArray(onCallRotations.teamId, teamIds)));
  return new Map(teamIds.map((teamId) => [teamId, coverageGaps(rows.filter((row) => row.teamId === teamId))] as const));
}
