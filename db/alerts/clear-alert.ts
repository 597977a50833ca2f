import type postgres from 'postgres';
import type { AlertKind } from '../schema/alerts';
import { jsonText, notify } from './notify';

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
