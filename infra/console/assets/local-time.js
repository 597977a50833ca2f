// Times the reader types in a datetime-local input are read in this browser's time zone and sent to the API as
// ISO-8601 with the browser's offset (2026-12-08T18:00:00+09:00), so the instant meant is the instant asked about.

const pad = (value) => String(value).padStart(2, '0');

/** A datetime-local value (YYYY-MM-DDTHH:MM) as the instant it names here; null when empty or not a time. */
export function fromLocalInput(value) {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

/** An instant as a datetime-local value in this browser's time zone. */
export function toLocalInput(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** An instant as ISO-8601 with this browser's offset at that instant. */
export function offsetIso(date) {
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? '+' : '-';
  const hours = pad(Math.floor(Math.abs(offset) / 60));
  return `${toLocalInput(date)}:${pad(date.getSeconds())}${sign}${hours}:${pad(Math.abs(offset) % 60)}`;
}

/** This browser's time zone when it is not the organisation's; undefined when they agree (nothing to tell apart). */
export function browserZoneUnlike(orgZone) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return orgZone && zone && zone !== orgZone ? zone : undefined;
}

/** " (Europe/London)" after a time, or nothing when no zone needs naming. */
export function zoneSuffix(zone) {
  return zone ? ` (${zone})` : '';
}
