import { type RaisedAlert, raiseAlert } from '../db/alerts/raise-alert';
import type { Sql } from '../db/client';

/**
 * THE way tests and the bench open an alert: an SOS button press for one resident. Today it calls `raiseAlert`
 * in a transaction, exactly what the ingest endpoint does for an `emergency_button` event; switch this one
 * function to `POST /v1/ingest/events` once ingest is merged.
 */
export async function injectSosAlert(sql: Sql, input: { orgId: string; residentId: string }): Promise<RaisedAlert> {
  return (await sql.begin((tx) =>
    raiseAlert(tx, {
      orgId: input.orgId,
      residentId: input.residentId,
      kind: 'sos',
      severity: 'critical',
      dedupKey: `${input.residentId}:sos`,
      title: 'Emergency button pressed',
      details: { source: 'emergency_button' },
      sourceEventTime: new Date(),
    }),
  )) as RaisedAlert;
}
