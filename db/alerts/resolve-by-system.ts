import type postgres from 'postgres';
import type { AlertKind } from '../schema/alerts';
import type { ClearedAlert } from './clear-alert';
import { notifyExpression } from './notify';
import { supersedeCtes } from './supersede';

type Sql = postgres.Sql | postgres.TransactionSql;

/** Alerts of one organisation whose condition ended by itself, named by dedup key. */
export interface SystemClears {
  orgId: string;
  dedupKeys: string[];
  note: string;
  nodeId?: string | null;
}

/**
 * The system's resolve as CTEs, for a statement that does other work in the same round trip (ingest stores a batch
 * and resolves what it clears in one statement): the unresolved alerts under these keys become `resolved`
 * (resolved_by null, with the note; escalation stops), each with its NOTIFY 'resolved' (sent on commit), and their
 * outstanding deliveries are superseded with history — nobody is waiting for them any more: nothing is re-sent,
 * and a dashboard connecting later is not pushed them. Defines `resolved(id, kind)` for the statement to read.
 *
 * Lock order (README "Lock order"): the alerts by id, then all their deliveries by id, each in one statement.
 */
export function resolveBySystemCtes(sql: Sql, clears: SystemClears): postgres.PendingQuery<postgres.Row[]> {
  // `status <> 'resolved'` is the state machine's from-statuses of 'resolve by system', written literally so that
  // PostgreSQL reads the alerts by the open-dedup-key index (its predicate is the same condition).
  return sql`
    resolving as materialized (
      select id from alerts
       where org_id = ${clears.orgId} and dedup_key = any(${clears.dedupKeys}::text[]) and status <> 'resolved'
       order by id
         for update
    ), resolved as (
      update alerts a set status = 'resolved', resolved_at = now(), resolved_by = null,
             resolution_note = ${clears.note}, next_escalation_at = null, updated_at = now()
        from resolving where a.id = resolving.id
      returning a.id, a.kind, ${notifyExpression(sql, 'resolved', null, 'a')}::text as notified
    ), ${supersedeCtes(sql, sql`d.alert_id in (select id from resolved)`, clears.nodeId ?? null, 'alert resolved by the system')}`;
}

/**
 * Closes the unresolved alerts with these dedup keys on the system's behalf, in one statement (see
 * resolveBySystemCtes): conditions that clear themselves — activity returning after a no-activity alert, a hub heard
 * from again, power restored.
 */
export async function resolveBySystem(tx: Sql, clears: SystemClears): Promise<ClearedAlert[]> {
  if (clears.dedupKeys.length === 0) return [];
  const rows = await tx<{ id: string; kind: AlertKind }[]>`
    with ${resolveBySystemCtes(tx, clears)}
    select id, kind from resolved order by id`;
  return rows.map((row) => ({ alertId: row.id, kind: row.kind, resolved: true }));
}
