// `npm run audit:alerts`: proves from $DATABASE_URL that every alert opened in a time range reached a person who
// acknowledged it, or escalated at each step on time, or is still inside its current step's wait
// (db/alerts/audit.ts). Prints every alert that breaks this with why, then one JSON line of counts; exits 1 when
// there is any. Options: --from / --to (ISO times; default the last 7 days), --org <uuid>, --tolerance <seconds>.
import { parseArgs } from 'node:util';
import { auditAlerts, DEFAULT_AUDIT_TOLERANCE_SECONDS } from '../db/alerts/audit';
import { createDatabase } from '../db/client';

const WEEK_MS = 7 * 24 * 60 * 60 * 1000;

const { values } = parseArgs({
  options: {
    from: { type: 'string' },
    to: { type: 'string' },
    org: { type: 'string' },
    tolerance: { type: 'string', default: String(DEFAULT_AUDIT_TOLERANCE_SECONDS) },
  },
});
const url = process.env.DATABASE_URL;
if (!url) {
  console.error('DATABASE_URL is required');
  process.exit(2);
}
const to = values.to ? new Date(values.to) : new Date();
const from = values.from ? new Date(values.from) : new Date(to.getTime() - WEEK_MS);
const toleranceSeconds = Number(values.tolerance);
if (Number.isNaN(from.getTime()) || Number.isNaN(to.getTime()) || !(toleranceSeconds >= 0)) {
  console.error('--from and --to take ISO times, --tolerance a number of seconds');
  process.exit(2);
}
const { sql, close } = createDatabase(url, { max: 2, applicationName: 'carewatch-audit' });
try {
  const audit = await auditAlerts(sql, { from, to, orgId: values.org, toleranceSeconds });
  for (const violation of audit.violations) {
    console.log(`${violation.alertId} (${violation.severity}, ${violation.status}, opened ${violation.openedAt})`);
    for (const reason of violation.reasons) console.log(`  - ${reason}`);
  }
  console.log(
    JSON.stringify({ from: audit.from, to: audit.to, checked: audit.checked, violations: audit.violations.length }),
  );
  process.exitCode = audit.violations.length > 0 ? 1 : 0;
} finally {
  await close();
}
