import { randomBytes } from 'node:crypto';
import postgres from 'postgres';
import { inject } from 'vitest';
import { auditAlerts } from '../alerts/audit';
import { createDatabase } from '../client';
import { TEMPLATE_DATABASE, withDatabase } from './names';

export interface TestDatabase extends ReturnType<typeof createDatabase> {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export interface TestDatabaseOptions {
  /**
   * Why this file's alerts are not audited when the database is dropped: it plants rows the alert path never writes
   * (alerts without deliveries, levels set by hand, violations on purpose). Every other test database ends with
   * `npm run audit:alerts`'s check, and `drop()` fails the file when an alert of its own breaks it.
   */
  skipAlertAudit?: string;
}

/**
 * A fresh, migrated database of its own for one test file, cloned from the run's template. `drop()` first audits
 * every alert the file raised (`auditAlerts`: reached a person who acknowledged it, escalated on time, or inside its
 * wait) and throws, failing the file, when one breaks the rule — unless `skipAlertAudit` says why not.
 */
export async function createTestDatabase(options: TestDatabaseOptions = {}): Promise<TestDatabase> {
  const serverUrl = inject('postgresServerUrl');
  const name = `carewatch_test_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name} template ${TEMPLATE_DATABASE}`);
  const url = withDatabase(serverUrl, name);
  const { sql, db, close } = createDatabase(url, { max: 5, applicationName: 'carewatch-test' });
  return {
    url,
    name,
    sql,
    db,
    close,
    drop: async () => {
      try {
        if (!options.skipAlertAudit) await assertAlertsInOrder(sql);
      } finally {
        await close();
        await admin.unsafe(`drop database if exists ${name} with (force)`);
        await admin.end();
      }
    },
  };
}

async function assertAlertsInOrder(sql: postgres.Sql) {
  const audit = await auditAlerts(sql, { from: new Date(0), to: new Date(Date.now() + 60_000) });
  if (audit.violations.length === 0) return;
  const listed = audit.violations
    .slice(0, 10)
    .map(
      (violation) =>
        `${violation.alertId} (${violation.severity}, ${violation.status}): ${violation.reasons.join('; ')}`,
    );
  throw new Error(
    `alert audit of this file's database: ${audit.violations.length} of ${audit.checked} alerts break the rule\n${listed.join('\n')}`,
  );
}

/** An empty database (no migrations), for testing the migration runner itself. */
export async function createEmptyDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const serverUrl = inject('postgresServerUrl');
  const name = `carewatch_empty_${randomBytes(6).toString('hex')}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${name}`);
  return {
    url: withDatabase(serverUrl, name),
    drop: async () => {
      await admin.unsafe(`drop database if exists ${name} with (force)`);
      await admin.end();
    },
  };
}
