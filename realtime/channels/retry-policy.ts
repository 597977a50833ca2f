import type { AttemptOutcome } from '../../db/alerts/channels/attempt-outcome';
import type { OutboundAnswer } from './outbound-post';

export interface RetryPolicy {
  /** Requests per attempt before it fails. */
  maxTries: number;
}

/** Seconds before try `tries + 1`: 1, 2, 4, 8 … capped at a minute, with up to 20 % jitter so retries spread. */
export function backoffSeconds(tries: number, random = Math.random): number {
  const base = Math.min(60, 2 ** Math.max(0, tries - 1));
  return base * (1 + 0.2 * random());
}

/** A provider's Retry-After (seconds or an HTTP date), when it asks for longer than our backoff; at most 5 min. */
function retryAfterSeconds(header: string | string[] | undefined, nowMs: number): number | undefined {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return undefined;
  const seconds = /^\d+$/.test(value) ? Number(value) : (Date.parse(value) - nowMs) / 1000;
  return Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 300) : undefined;
}

/**
 * What an answer means for the attempt. 2xx: sent. 429, 5xx, a timeout or a network error: try again after a
 * backoff, unless this was the last try. Anything else (a 4xx, a URL refused as private): failed at once — asking
 * again would get the same answer. `gone` (404/410 from a push service) is the push sender's to decide.
 */
export function outcomeOf(
  answer: OutboundAnswer,
  tries: number,
  policy: RetryPolicy,
  nowMs = Date.now(),
): AttemptOutcome {
  if (answer.ok && answer.status >= 200 && answer.status < 300) {
    return { kind: 'sent', providerStatus: answer.status };
  }
  const status = answer.ok ? answer.status : null;
  const detail = answer.ok
    ? `HTTP ${answer.status}${answer.body ? `: ${answer.body.slice(0, 200)}` : ''}`
    : answer.error;
  const retryable = answer.ok ? answer.status === 429 || answer.status >= 500 : !answer.refused;
  if (!retryable) return { kind: 'failed', providerStatus: status, detail };
  if (tries >= policy.maxTries) {
    return { kind: 'failed', providerStatus: status, detail: `${detail} (gave up after ${tries} tries)` };
  }
  const asked = answer.ok ? retryAfterSeconds(answer.headers['retry-after'], nowMs) : undefined;
  return {
    kind: 'retry',
    providerStatus: status,
    detail,
    retryInSeconds: Math.max(asked ?? 0, backoffSeconds(tries)),
  };
}
