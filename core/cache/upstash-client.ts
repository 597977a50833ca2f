import { Redis } from '@upstash/redis';

export interface UpstashClientOptions {
  url: string;
  token: string;
  /** A call slower than this fails (aborted): a slow shared store must not slow the API. */
  timeoutMs: number;
}

/**
 * An `@upstash/redis` client as the API uses it everywhere (the cache, the limiters): no retries, so an outage costs
 * a request at most one short timeout; replies left as Redis sent them (callers parse what they stored).
 */
export function createUpstashClient({ url, token, timeoutMs }: UpstashClientOptions): Redis {
  return new Redis({
    url,
    token,
    retry: false,
    automaticDeserialization: false,
    enableTelemetry: false,
    signal: () => AbortSignal.timeout(timeoutMs),
  });
}
