import type { Actor } from '../../db/actor';
import { activeStaffSequences } from '../../db/alerts/outstanding';
import type { Sql } from '../../db/client';

/** A staff member as a token names them: who, and in which organisation. */
export type StaffMember = Pick<Actor, 'staffId' | 'orgId'>;

/**
 * The "staff still active" rule, the one definition HTTP, the WebSocket and the staff recheck share: a token's
 * staff member may act only while the account exists, is active and belongs to the organisation the token names.
 * Answers which of `members` pass, in one query however many are asked about.
 */
export async function stillActiveStaff(sql: Sql, members: readonly StaffMember[]): Promise<Set<string>> {
  // The query is the one a connecting dashboard asks (with its last sequence): one statement of the rule.
  const sequences = await activeStaffSequences(sql, members);
  return new Set(members.filter((_, index) => sequences[index] !== null).map((member) => member.staffId));
}

/**
 * Which of `members` the same rule now refuses (the complement of `stillActiveStaff`: the same join, kept where it
 * finds no active row). Answers with those only: a node holding 10,000 dashboards would otherwise parse 10,000 rows
 * on its event loop at every recheck, delaying the alert frames queued behind them.
 */
export async function staffNoLongerActive(sql: Sql, members: readonly StaffMember[]): Promise<string[]> {
  if (members.length === 0) return [];
  const rows = await sql<{ id: string }[]>`
    select distinct wanted.staff_id::text as id
      from unnest(${members.map((member) => member.staffId)}::uuid[],
                  ${members.map((member) => member.orgId)}::uuid[]) as wanted(staff_id, org_id)
      left join staff s on s.id = wanted.staff_id and s.org_id = wanted.org_id and s.active
     where s.id is null`;
  return rows.map((row) => row.id);
}
