import * as v from 'valibot';

/** NUL, and a UTF-16 surrogate without its pair (in `u` mode `\p{Cs}` matches only unpaired ones). */
const UNSTORABLE = /[\0\p{Cs}]/u;

export const UNSTORABLE_TEXT_MESSAGE = 'must not contain NUL characters or unpaired UTF-16 surrogates';

/** True when PostgreSQL can store the text in `text` and `jsonb` columns (it refuses NUL and unpaired surrogates). */
export function isStorableText(text: string): boolean {
  return !UNSTORABLE.test(text);
}

/** The valibot building block for one text field: every request string schema starts from it. */
export const StorableText = v.pipe(v.string(), v.check(isStorableText, UNSTORABLE_TEXT_MESSAGE));

/** Enough to point at the problem; a body with thousands of bad strings does not get thousands of errors. */
const MAX_REPORTED = 20;

/** A position in the input; paths are built only for what is reported, so deep nesting stays linear. */
interface Position {
  value: unknown;
  key?: string;
  parent?: Position;
}

function pathOf(position: Position, key?: string): string[] {
  const reversed = key === undefined ? [] : [key];
  for (let at: Position | undefined = position; at?.key !== undefined; at = at.parent) reversed.push(at.key);
  return reversed.reverse();
}

/**
 * Where a parsed request part (JSON body, query, path) holds text PostgreSQL cannot store: string values and object
 * keys at any depth, as paths. Iterative, so a deeply nested body cannot overflow the stack.
 */
export function unstorableTextPaths(input: unknown): string[][] {
  const found: string[][] = [];
  const pending: Position[] = [{ value: input }];
  for (let position = pending.pop(); position && found.length < MAX_REPORTED; position = pending.pop()) {
    const { value } = position;
    if (typeof value === 'string') {
      if (!isStorableText(value)) found.push(pathOf(position));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, item] of Object.entries(value)) {
        if (!isStorableText(key)) found.push(pathOf(position, key));
        else pending.push({ value: item, key, parent: position });
      }
    }
  }
  return found;
}
