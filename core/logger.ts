import diagnostics from 'node:diagnostics_channel';
import { DB_DIAGNOSTICS_CHANNEL, type DbDiagnostic } from '../db/diagnostics';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type LogFields = Record<string, unknown>;

export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** Where a finished line goes; warn and error go to stderr. */
export type LogSink = (line: string, level: LogLevel) => void;

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** The logger's own keys: a field never overwrites one (it is written as `field_<name>` instead). */
const OWN_KEYS = new Set(['time', 'level', 'service', 'message']);

const consoleSink: LogSink = (line, level) => {
  if (level === 'error' || level === 'warn') console.error(line);
  else console.log(line);
};

/** One JSON object per line on stdout/stderr: readable by `docker logs`, Workers' log tail and jq alike. */
export function createLogger(service: string, level: LogLevel = 'info', sink: LogSink = consoleSink): Logger {
  const write = (at: LogLevel, message: string, fields?: LogFields) => {
    if (order[at] < order[level]) return;
    sink(logLine({ time: new Date().toISOString(), level: at, service, message }, fields), at);
  };
  return {
    debug: (message, fields) => write('debug', message, fields),
    info: (message, fields) => write('info', message, fields),
    warn: (message, fields) => write('warn', message, fields),
    error: (message, fields) => write('error', message, fields),
  };
}

/**
 * The line for one entry: the logger's keys first and untouchable, then the fields. Never throws: a field JSON
 * cannot hold (a BigInt, a cycle) costs that field, not the line.
 */
function logLine(own: Record<string, string>, fields: LogFields = {}): string {
  const entries: [string, unknown][] = Object.entries(own);
  const taken = new Set(OWN_KEYS);
  for (const [name, value] of Object.entries(fields)) {
    let key = name;
    while (taken.has(key)) key = `field_${key}`;
    taken.add(key);
    entries.push([key, value]);
  }
  // fromEntries defines keys (a field named __proto__ stays a plain key, never a prototype).
  try {
    return JSON.stringify(Object.fromEntries(entries));
  } catch {
    return JSON.stringify(Object.fromEntries(entries.map(([key, value]) => [key, serialisable(value)])));
  }
}

function serialisable(value: unknown): unknown {
  if (typeof value === 'bigint') return value.toString();
  try {
    JSON.stringify(value);
    return value;
  } catch (error) {
    return `[unserialisable: ${error instanceof Error ? error.message : String(error)}]`;
  }
}

// db/ cannot import this module (it sits below core/); it publishes what it could not use on a diagnostics channel.
diagnostics.subscribe(DB_DIAGNOSTICS_CHANNEL, (message) => {
  const { level, scope, message: text, fields } = message as DbDiagnostic;
  createLogger(scope)[level](text, fields);
});
