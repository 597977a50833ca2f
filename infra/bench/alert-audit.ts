import type postgres from 'postgres';
import { auditAlerts } from '../../db/alerts/audit';

/**
 * Every bench ends with `npm run audit:alerts`'s check over the alerts it raised (its own database): each reached a
 * person who acknowledged it, escalated on time, or is inside its current step's wait. Logged before the bench's
 * JSON line (which stays last); any violation is printed with why and fails the run.
 */
export async function auditBenchAlerts(sql: postgres.Sql, log: (message: string) => void): Promise<number> {
  const audit = await auditAlerts(sql, { from: new Date(0), to: new Date(Date.now() + 60_000) });
  log(`alert audit: ${audit.checked} alerts checked, ${audit.violations.length} violations`);
  for (const violation of audit.violations.slice(0, 20)) {
    log(`  ${violation.alertId} (${violation.severity}, ${violation.status}): ${violation.reasons.join('; ')}`);
  }
  if (audit.violations.length > 0) process.exitCode = 1;
  return audit.violations.length;
}
