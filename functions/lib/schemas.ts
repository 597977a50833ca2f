import * as v from 'valibot';

/** Building blocks shared by the resource schemas. Request bodies are strict objects: unknown fields are a 422. */
export const Uuid = v.pipe(v.string(), v.uuid('must be a UUID'));
export const IdParam = v.object({ id: Uuid });
export const Timestamp = v.pipe(v.string(), v.description('ISO-8601 date-time'));
export const Name = v.pipe(v.string(), v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(200));
export const Phone = v.pipe(v.string(), v.trim(), v.regex(/^\+?[0-9 ()-]{3,32}$/, 'must be a phone number'));
export const Email = v.pipe(
  v.string(),
  v.trim(),
  v.toLowerCase(),
  v.email('must be an email address'),
  v.maxLength(254),
);
/** Query booleans arrive as text. */
export const QueryBoolean = v.pipe(
  v.picklist(['true', 'false']),
  v.transform((text) => text === 'true'),
);
/** A free-text search term for list filters. */
export const SearchTerm = v.pipe(v.string(), v.trim(), v.minLength(1), v.maxLength(100));

/** Escapes LIKE wildcards so a search term matches literally. */
export function likePattern(term: string): string {
  return `%${term.replaceAll('\\', '\\\\').replaceAll('%', '\\%').replaceAll('_', '\\_')}%`;
}
