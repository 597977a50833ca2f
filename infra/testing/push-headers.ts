// The request headers RFC 8030 §5 gives a push message: TTL (required), Urgency and Topic, read as a push
// service must, refusing what it cannot honour rather than guessing.
import type { IncomingHttpHeaders } from 'node:http';

export const URGENCIES = ['very-low', 'low', 'normal', 'high'] as const;
export type Urgency = (typeof URGENCIES)[number];

export interface PushMessageHeaders {
  /** Seconds the push service may keep the message (RFC 8030 §5.2). */
  ttl: number;
  urgency: Urgency;
  /** Replaces any undelivered message with the same topic (RFC 8030 §5.4). */
  topic: string | null;
}

const DELTA_SECONDS = /^\d+$/;
// RFC 8030 §5.4: at most 32 characters from the URL and filename safe base64 alphabet.
const TOPIC = /^[A-Za-z0-9_-]{1,32}$/;

export function readPushMessageHeaders(headers: IncomingHttpHeaders): PushMessageHeaders | { refused: string } {
  const ttl = single(headers.ttl);
  if (ttl === undefined) return { refused: 'TTL header is required' };
  if (!DELTA_SECONDS.test(ttl) || !Number.isSafeInteger(Number(ttl))) {
    return { refused: `TTL ${ttl} is not a number of seconds` };
  }
  const urgency = single(headers.urgency) ?? 'normal';
  if (!isUrgency(urgency)) return { refused: `Urgency ${urgency} is not one of ${URGENCIES.join(', ')}` };
  const topic = single(headers.topic);
  if (topic !== undefined && !TOPIC.test(topic)) {
    return { refused: 'Topic must be 1-32 characters of the base64url alphabet' };
  }
  return { ttl: Number(ttl), urgency, topic: topic ?? null };
}

function isUrgency(value: string): value is Urgency {
  return (URGENCIES as readonly string[]).includes(value);
}

/** A repeated header is one value joined by commas (RFC 9110 §5.3), which none of these accept. */
function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value.join(', ') : value;
}
