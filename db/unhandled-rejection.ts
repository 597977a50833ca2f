/** postgres.js's own codes for a connection that closed, ended, was destroyed or never came up (its errors.js). */
const POSTGRES_JS_CONNECTION_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
]);
/** Socket codes: a lost database connection only when the promise is a postgres.js query (any socket has them). */
const SOCKET_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
]);

/** PostgreSQL going away: SQLSTATE class 08 (connection exception) and 57P01–57P03 (shutdown, crash, starting). */
function isServerGoingAway(code: string): boolean {
  return code.startsWith('08') || code === '57P01' || code === '57P02' || code === '57P03';
}

/** The SQL of a postgres.js query (a Query is the promise itself and keeps its template strings). */
function querySql(promise: Promise<unknown>): string | undefined {
  const strings = (promise as { strings?: unknown }).strings;
  return Array.isArray(strings) ? strings.join('$?').replace(/\s+/g, ' ').trim().slice(0, 300) : undefined;
}

/**
 * Whether a rejection is the database connection going away: postgres.js's connection codes, PostgreSQL's own
 * shutdown and connection SQLSTATEs, or a socket error of a postgres.js query. A socket error of anything else
 * (a push service, a webhook, the media store) is not: a promise of ours left unawaited is a defect to see.
 */
export function isDatabaseConnectionLoss(error: unknown, promise?: Promise<unknown>): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  if (POSTGRES_JS_CONNECTION_CODES.has(code)) return true;
  if ((error as { name?: unknown }).name === 'PostgresError' && isServerGoingAway(code)) return true;
  return SOCKET_CODES.has(code) && promise !== undefined && querySql(promise) !== undefined;
}

export interface UnhandledRejectionVerdict {
  /** `continue` for a lost database connection; `exit` for anything else (a supervisor restarts the process). */
  action: 'continue' | 'exit';
  message: string;
  fields: Record<string, unknown>;
}

/**
 * What a Node entry file does with a promise rejection nobody handled. A lost database connection can reject a
 * promise postgres.js made for itself and never awaits (its transaction internals, porsager/postgres#1186 and
 * #1215): a realtime node must not drop thousands of dashboards over that, so it is logged and the process goes on.
 * Anything else is a defect of ours with unknown effects: logged, and the process exits, as Node's default would.
 * The log names the SQL of the query when the promise is a postgres.js query, so the source can be found.
 */
export function unhandledRejectionVerdict(reason: unknown, promise: Promise<unknown>): UnhandledRejectionVerdict {
  const error = reason instanceof Error ? reason : new Error(String(reason));
  const fields: Record<string, unknown> = {
    error: error.message,
    code: (reason as { code?: unknown } | null)?.code,
    stack: error.stack?.split('\n').slice(1, 8).join(' | '),
    query: querySql(promise),
  };
  return isDatabaseConnectionLoss(reason, promise)
    ? { action: 'continue', message: 'unhandled rejection from a lost database connection; continuing', fields }
    : { action: 'exit', message: 'unhandled rejection; exiting', fields };
}
