import type postgres from 'postgres';

/**
 * A subquery of `(team_id, staff_id)`, one row per member of each of the organisation's teams: a team's members are
 * the participants of its rotations plus the staff of its overrides (whenever those apply). Scoped to the
 * organisation on every table, so a row whose team belongs elsewhere never makes anyone a member.
 */
export function teamMembers(sql: postgres.Sql, orgId: string): postgres.PendingQuery<postgres.Row[]> {
  return sql`
    select t.id as team_id, m.staff_id
      from teams t
      join (
        select r.team_id, unnest(r.participant_ids) as staff_id from on_call_rotations r where r.org_id = ${orgId}
        union
        select o.team_id, o.staff_id from on_call_overrides o where o.org_id = ${orgId}
      ) m on m.team_id = t.id
     where t.org_id = ${orgId}`;
}
