import { ingestLimits } from './limits';

// UTF-8, and so PostgreSQL, cannot encode a UTF-16 surrogate that is not half of a pair.
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/** Why PostgreSQL would refuse this string (text and jsonb cannot hold U+0000 either), or undefined. */
export function unstorableText(text: string): string | undefined {
  if (text.includes('\u0000')) return 'contains a NUL character (U+0000)';
  if (LONE_SURROGATE.test(text)) return 'contains an unpaired UTF-16 surrogate';
  return undefined;
}

/**
 * Why an event's payload cannot be stored as it was sent, or undefined when it can: not an object, nested deeper
 * than `maxPayloadDepth`, a key or string PostgreSQL refuses, a number beyond the double range (JSON's `1e400`
 * parses to Infinity and would be stored as null), or more than `maxPayloadBytes` of UTF-8 JSON. Walks the value
 * without recursion, so no nesting depth can overflow the stack.
 */
export function unstorablePayload(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return 'payload must be an object';
  const pending: { value: unknown; path: string; depth: number }[] = [{ value: payload, path: 'payload', depth: 1 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value, path, depth } = next;
    if (typeof value === 'string') {
      const problem = unstorableText(value);
      if (problem) return `${path} ${problem}`;
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) return `${path} is a number outside the double-precision range`;
    } else if (typeof value === 'object' && value !== null) {
      if (depth > ingestLimits.maxPayloadDepth) {
        return `payload is nested deeper than ${ingestLimits.maxPayloadDepth} levels`;
      }
      for (const [key, child] of Object.entries(value)) {
        const problem = unstorableText(key);
        if (problem) return `a key in ${path} ${problem}`;
        pending.push({
          value: child,
          path: Array.isArray(value) ? `${path}[${key}]` : `${path}.${shortKey(key)}`,
          depth: depth + 1,
        });
      }
    }
  }
  // Depth is bounded now, so stringifying cannot overflow the stack.
  const bytes = new TextEncoder().encode(JSON.stringify(payload)).length;
  if (bytes > ingestLimits.maxPayloadBytes) return `payload exceeds ${ingestLimits.maxPayloadBytes} bytes`;
  return undefined;
}

/** A key as it appears in a reason: at most 32 code points (never half a surrogate pair), so reasons stay short. */
function shortKey(key: string): string {
  const points = Array.from(key);
  return points.length > 32 ? `${points.slice(0, 32).join('')}…` : key;
}
