/** True when a database error (possibly wrapped by drizzle) is a unique-constraint violation. */
export function isUniqueViolation(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  if ('code' in error && error.code === '23505') return true;
  return 'cause' in error ? isUniqueViolation(error.cause) : false;
}

/**
 * True when PostgreSQL refused a statement for the data in it (SQLSTATE class 22 "data exception", 54 "program
 * limit exceeded", a NOT NULL or CHECK violation): sending the same data again fails the same way.
 */
export function isDataError(error: unknown): boolean {
  const code = sqlState(error);
  return code !== undefined && (/^(22|54)/.test(code) || code === '23502' || code === '23514');
}

// postgres.js connection failures and the socket errors it passes on; PostgreSQL codes below.
const UNREACHABLE = new Set([
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_ENDED',
  'CONNECTION_DESTROYED',
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// 57P01–57P03: shutting down or starting up; 57014: statement timeout; 53xxx: out of connections, memory or disk;
// 40001/40P01: serialisation failure or deadlock that outlasted the retries; 55P03: lock timeout.
const TRANSIENT_SQLSTATE = /^(08|53|57P0[1-3]$|57014$|40001$|40P01$|55P03$)/;

/**
 * True when the database could not be reached or could not answer in time — the request may succeed when sent
 * again later, so it is answered 503 with Retry-After rather than 500.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const root = rootCause(error);
  if (typeof root !== 'object' || root === null) return false;
  const code = 'code' in root && typeof root.code === 'string' ? root.code : undefined;
  if (code !== undefined) return UNREACHABLE.has(code) || TRANSIENT_SQLSTATE.test(code);
  // postgres.js attaches the query to every error it fails a query with. One that is not PostgreSQL's own answer
  // (those carry a SQLSTATE code) is the connection failing: on Workers, cloudflare:sockets errors have no code
  // ("proxy request failed, cannot connect to the specified address", "Network connection lost").
  return 'query' in root && !('name' in root && root.name === 'PostgresError');
}

/** The error's SQLSTATE (or postgres.js / Node code), looking through drizzle's wrapping `cause`. */
function sqlState(error: unknown): string | undefined {
  const root = rootCause(error);
  return typeof root === 'object' && root !== null && 'code' in root && typeof root.code === 'string'
    ? root.code
    : undefined;
}

/** The innermost `cause` (drizzle wraps the driver's error in a DrizzleQueryError). */
function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5; depth++) {
    if (typeof current !== 'object' || current === null || !('cause' in current) || current.cause === undefined) break;
    current = current.cause;
  }
  return current;
}
