/**
 * PostgreSQL errors after which a transaction may simply run again: it was rolled back and left nothing behind
 * (40P01 deadlock detected, 40001 serialization failure).
 */
const RETRYABLE_CODES = new Set(['40P01', '40001']);

export function isRetryableTransactionError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && RETRYABLE_CODES.has(code);
}

/**
 * Runs a whole transaction, and once more if PostgreSQL rolled it back with a retryable error; any other error,
 * or a second failure, is thrown to the caller (who tells its client to try again).
 */
export async function retryTransactionOnce<T>(run: () => Promise<T>, onRetry?: (error: Error) => void): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!isRetryableTransactionError(error)) throw error;
    onRetry?.(error as Error);
    return run();
  }
}
