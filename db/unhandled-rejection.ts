/**
 * Codes of a database connection that went away: postgres.js's own (its errors.js) and Node's socket errors. Such an
 * error rejects whatever was running on that connection, and every caller of ours awaits what it runs.
 */
const CONNECTION_LOSS_CODES = new Set([
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'CONNECT_TIMEOUT',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
]);

export function isConnectionLoss(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && CONNECTION_LOSS_CODES.has(code);
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
  const strings = (promise as { strings?: unknown }).strings;
  const fields: Record<string, unknown> = {
    error: error.message,
    code: (reason as { code?: unknown } | null)?.code,
    stack: error.stack?.split('\n').slice(1, 8).join(' | '),
    query: Array.isArray(strings) ? strings.join('$?').replace(/\s+/g, ' ').trim().slice(0, 300) : undefined,
  };
  return isConnectionLoss(reason)
    ? { action: 'continue', message: 'unhandled rejection from a lost database connection; continuing', fields }
    : { action: 'exit', message: 'unhandled rejection; exiting', fields };
}
