import type postgres from 'postgres';
import type { AlertKind } from '../schema/alerts';
import { supersedeOutstanding } from './acknowledge';
import { jsonText, notify } from './raise-alert';

type Tx = postgres.TransactionSql;

export interface ClearedAlert {
  alertId: string;
  kind: AlertKind;
  /** True when the alert was closed by the system; false when it was only marked cleared and stays open. */
  resolved: boolean;
}

/**
 * Records on the open alert with this dedup key that its cause was cancelled or cleared at the source (a button
 * cancel, "fire cleared"). The alert stays open: a person still confirms a critical alert; the cancel is shown
 * on it instead of being lost. Sends NOTIFY 'updated'. Returns nothing when no alert is open under the key.
 */
export async function clearAlert(
  tx: Tx,
  input: { orgId: string; dedupKey: string; note: string; eventId?: string; at: Date },
): Promise<ClearedAlert | undefined> {
  const cleared = { note: input.note, eventId: input.eventId ?? null, at: input.at.toISOString() };
  const [row] = await tx<{ id: string; kind: AlertKind }[]>`
    update alerts set details = details || ${jsonText({ cleared })}::text::jsonb, updated_at = now()
     where org_id = ${input.orgId} and dedup_key = ${input.dedupKey} and status <> 'resolved'
    returning id, kind`;
  if (!row) return undefined;
  await notify(tx, { alertId: row.id, change: 'updated' });
  return { alertId: row.id, kind: row.kind, resolved: false };
}

/**
 * Closes the open alerts with these dedup keys on the system's behalf (resolved_by null, with a note): used by
 * conditions that clear themselves — activity returning after a no-activity alert, a hub heard from again, power
 * restored. Their outstanding deliveries are superseded; NOTIFY 'resolved' for each, so dashboards and escalation stop.
 */
export async function resolveBySystem(
  tx: Tx,
  input: { orgId: string; dedupKeys: string[]; note: string },
): Promise<ClearedAlert[]> {
  if (input.dedupKeys.length === 0) return [];
  // Lock order (README "Delivery guarantees"): the alerts by id, then all their deliveries by id in one statement.
  const rows = await tx<{ id: string; kind: AlertKind }[]>`
    with locked as materialized (
      select id from alerts
       where org_id = ${input.orgId} and dedup_key = any(${input.dedupKeys}::text[]) and status <> 'resolved'
       order by id
         for update
    )
    update alerts a set status = 'resolved', resolved_at = now(), resolved_by = null,
           resolution_note = ${input.note}, next_escalation_at = null, updated_at = now()
      from locked where a.id = locked.id
    returning a.id, a.kind`;
  // Nobody is waiting for these any more: nothing is re-sent, and a dashboard connecting later is not pushed them.
  await supersedeOutstanding(
    tx,
    rows.map((row) => row.id),
    null,
    'alert resolved by the system',
  );
  for (const row of rows) await notify(tx, { alertId: row.id, change: 'resolved' });
  return rows.map((row) => ({ alertId: row.id, kind: row.kind, resolved: true }));
}
