import type postgres from 'postgres';
import * as v from 'valibot';
import { defaultAckTimeoutSeconds } from '../defaults';
import { reportDbDiagnostic } from '../diagnostics';
import type { AlertSeverity } from '../schema/alerts';

type Sql = postgres.Sql | postgres.TransactionSql;

/** Up to a week; null switches the re-trigger off for the severity. */
export const AckTimeoutSchema = v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(7 * 86_400)));

/**
 * The organisation's acknowledgement timeout for one severity (`settings.ackTimeoutSeconds[severity]`): seconds,
 * null for never, the default when unset. Settings are data edited outside the code: a malformed value is logged
 * and the default used — an acknowledgement must never fail, nor silently switch re-triggering off, over it.
 */
export function ackTimeoutFor(stored: unknown, orgId: string, severity: AlertSeverity): number | null {
  const value =
    stored !== null && typeof stored === 'object' ? (stored as Record<string, unknown>)[severity] : undefined;
  if (value === undefined) return defaultAckTimeoutSeconds[severity];
  const parsed = v.safeParse(AckTimeoutSchema, value);
  if (parsed.success) return parsed.output;
  reportDbDiagnostic({
    level: 'warn',
    scope: 'escalation',
    message: 'malformed ackTimeoutSeconds; using the default',
    fields: { orgId, severity, value: JSON.stringify(value) },
  });
  return defaultAckTimeoutSeconds[severity];
}

/** Seconds until the acknowledged alert re-triggers, from its organisation's settings (null: never). */
export async function ackTimeoutOfAlert(tx: Sql, alertId: string): Promise<number | null> {
  const [row] = await tx<{ orgId: string; severity: AlertSeverity; stored: unknown }[]>`
    select a.org_id as "orgId", a.severity, o.settings -> 'ackTimeoutSeconds' as stored
      from alerts a join organisations o on o.id = a.org_id
     where a.id = ${alertId}`;
  return row ? ackTimeoutFor(row.stored, row.orgId, row.severity) : null;
}
