import { isStorableText } from '../lib/storable-text';
import { ingestLimits } from './limits';

/** Why PostgreSQL would refuse this string (text and jsonb cannot hold U+0000 either), or undefined. */
export function unstorableText(text: string): string | undefined {
  if (isStorableText(text)) return undefined;
  return text.includes('\u0000') ? 'contains a NUL character (U+0000)' : 'contains an unpaired UTF-16 surrogate';
}

/**
 * Why an event's payload cannot be stored as it was sent, or undefined when it can: not an object, nested deeper
 * than `maxPayloadDepth`, a key or string PostgreSQL refuses, a number beyond the double range (JSON's `1e400`
 * parses to Infinity and would be stored as null), or more than `maxPayloadBytes` of UTF-8 JSON. Walks the value
 * without recursion, so no nesting depth can overflow the stack.
 */
export function unstorablePayload(payload: unknown): string | undefined {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) return 'payload must be an object';
  // Paths are built only for a reason: most payloads are fine, and this runs for every event of every batch.
  const pending: Pending[] = [{ value: payload, depth: 1 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const { value, depth } = next;
    if (typeof value === 'string') {
      const problem = unstorableText(value);
      if (problem) return `${pathOf(next)} ${problem}`;
    } else if (typeof value === 'number') {
      if (!Number.isFinite(value)) return `${pathOf(next)} is a number outside the double-precision range`;
    } else if (typeof value === 'object' && value !== null) {
      if (depth > ingestLimits.maxPayloadDepth) {
        return `payload is nested deeper than ${ingestLimits.maxPayloadDepth} levels`;
      }
      const inArray = Array.isArray(value);
      for (const key in value) {
        const problem = unstorableText(key);
        if (problem) return `a key in ${pathOf(next)} ${problem}`;
        pending.push({ value: (value as Record<string, unknown>)[key], depth: depth + 1, parent: next, key, inArray });
      }
    }
  }
  // Depth is bounded now, so stringifying cannot overflow the stack. UTF-8 takes 1–3 bytes per UTF-16 unit.
  const json = JSON.stringify(payload);
  const limit = ingestLimits.maxPayloadBytes;
  if (json.length > limit || (json.length * 3 > limit && new TextEncoder().encode(json).length > limit)) {
    return `payload exceeds ${limit} bytes`;
  }
  return undefined;
}

interface Pending {
  value: unknown;
  depth: number;
  parent?: Pending;
  key?: string;
  inArray?: boolean;
}

function pathOf(entry: Pending): string {
  const parts: string[] = [];
  for (let at: Pending | undefined = entry; at?.parent; at = at.parent) {
    parts.push(at.inArray ? `[${at.key}]` : `.${shortKey(at.key ?? '')}`);
  }
  return `payload${parts.reverse().join('')}`;
}

/** A key as it appears in a reason: at most 32 code points (never half a surrogate pair), so reasons stay short. */
function shortKey(key: string): string {
  const points = Array.from(key);
  return points.length > 32 ? `${points.slice(0, 32).join('')}…` : key;
}
