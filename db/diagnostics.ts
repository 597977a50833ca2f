import diagnostics from 'node:diagnostics_channel';

/** Something db code met and could not use (a malformed policy row, one alert's failed escalation). */
export interface DbDiagnostic {
  level: 'warn' | 'error';
  /** The logger service the line belongs to (`escalation`, …). */
  scope: string;
  message: string;
  fields: Record<string, unknown>;
}

export const DB_DIAGNOSTICS_CHANNEL = 'carewatch:db';
const channel = diagnostics.channel(DB_DIAGNOSTICS_CHANNEL);

/**
 * Reports a diagnostic. `db/` sits below the logger (`core/` builds on `db/`, never the other way), so it publishes
 * on a diagnostics channel that `core/logger` subscribes to; with nobody listening the line still reaches stderr.
 */
export function reportDbDiagnostic(diagnostic: DbDiagnostic): void {
  if (channel.hasSubscribers) {
    channel.publish(diagnostic);
    return;
  }
  const { level, scope, message, fields } = diagnostic;
  console.error(JSON.stringify({ time: new Date().toISOString(), level, service: scope, message, ...fields }));
}
