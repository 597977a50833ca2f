import * as v from 'valibot';
import { alertKind, alertSeverity, alertStatus } from '../../db/schema/alerts';
import { instantOf, isCalendarDate } from './calendar';
import { StorableText } from './storable-text';

export { StorableText };

/**
 * Building blocks shared by the resource schemas. Request bodies are strict objects: unknown fields are a 422.
 * Request text starts from `StorableText` (no NUL, no unpaired surrogate) and request dates from `CalendarDate` /
 * `DateTime` (days that exist, years 0001–9999), so what validates is what PostgreSQL stores.
 */
export const Uuid = v.pipe(v.string(), v.uuid('must be a UUID'));
export const IdParam = v.object({ id: Uuid });
/** A date-time in a response. */
export const Timestamp = v.pipe(v.string(), v.description('ISO-8601 date-time'));
export const Name = v.pipe(StorableText, v.trim(), v.minLength(1, 'must not be empty'), v.maxLength(200));
export const Phone = v.pipe(StorableText, v.trim(), v.regex(/^\+?[0-9 ()-]{3,32}$/, 'must be a phone number'));
export const Email = v.pipe(
  StorableText,
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
export const SearchTerm = v.pipe(StorableText, v.trim(), v.minLength(1), v.maxLength(100));

// The syntax is reported by isoDate/isoTimestamp; the checks below add only what their patterns let through
// (February 30, year 0, year 10000 after the offset), so one bad value gets one message.
const IsoDateSyntax = v.pipe(v.string(), v.isoDate());
const IsoTimestampSyntax = v.pipe(v.string(), v.isoTimestamp());

/** A request date `YYYY-MM-DD` naming a day that exists, years 0001–9999. */
export const CalendarDate = v.pipe(
  v.string(),
  v.isoDate('must be a date YYYY-MM-DD'),
  v.check((text) => !v.is(IsoDateSyntax, text) || isCalendarDate(text), 'must be a day that exists, years 0001–9999'),
);

/**
 * A request date-time with a time zone naming a real instant in years 0001–9999, answered as the canonical
 * `toISOString()` form every later `new Date(…)` reads the same way.
 */
export const DateTime = v.pipe(
  v.string(),
  v.isoTimestamp('must be an ISO-8601 date-time with a time zone'),
  v.check(
    (text) => !v.is(IsoTimestampSyntax, text) || instantOf(text) !== undefined,
    'must be a day and time that exist, years 0001–9999 in UTC',
  ),
  v.transform((text) => new Date(instantOf(text) ?? Number.NaN).toISOString()),
);

/** Escapes LIKE wildcards so a search term matches literally. */
export function likePattern(term: string): string {
  return `%${term.replaceAll('\\', '\\\\').replaceAll('%', '\\%').replaceAll('_', '\\_')}%`;
}

/** An alert in brief (a profile's open alerts, a webhook call): what it is, how bad, where it stands, since when. */
export const alertSummaryFields = {
  id: Uuid,
  kind: v.picklist(alertKind.enumValues),
  severity: v.picklist(alertSeverity.enumValues),
  status: v.picklist(alertStatus.enumValues),
  title: v.string(),
  openedAt: Timestamp,
};
