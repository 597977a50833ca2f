import type postgres from 'postgres';
import type { Actor } from '../actor';

type Sql = postgres.Sql | postgres.TransactionSql;

export interface AlertNote {
  id: string;
  alertId: string;
  staffId: string | null;
  staffName: string | null;
  body: string;
  createdAt: string;
}

/**
 * Adds a line to an alert's timeline of what was done (a call made, the guardian reached, 119 called), on any
 * alert the caller may read (a caregiver: residents assigned to them), open or resolved. Null: no such alert for
 * this caller. The body's length is the caller's to check (1–2,000 characters; the table refuses anything else).
 */
export async function addAlertNote(
  sql: Sql,
  input: { alertId: string; identity: Actor; body: string },
): Promise<AlertNote | null> {
  const { identity } = input;
  const [note] = await sql<AlertNote[]>`
    with readable as (
      select a.id, a.org_id from alerts a
       where a.id = ${input.alertId} and a.org_id = ${identity.orgId}
         and (${identity.role} <> 'caregiver'
              or exists (select 1 from assignments s
                          where s.resident_id = a.resident_id and s.staff_id = ${identity.staffId}))
    ), added as (
      insert into alert_notes (org_id, alert_id, staff_id, body)
      select org_id, id, ${identity.staffId}, ${input.body} from readable
      returning id, alert_id, staff_id, body, created_at
    )
    select added.id, added.alert_id as "alertId", added.staff_id as "staffId", s.name as "staffName", added.body,
           to_char(added.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "createdAt"
      from added left join staff s on s.id = added.staff_id`;
  return note ?? null;
}
