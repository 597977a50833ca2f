import * as v from 'valibot';
import { AckTimeoutSchema } from './alerts/ack-timeout';
import { alertKind, alertSeverity } from './schema/alerts';

const zones = new Map<string, boolean>();

/** Whether the runtime knows the IANA zone (remembered: building a formatter costs more than a batch's rules). */
export function isKnownTimeZone(zone: string): boolean {
  let known = zones.get(zone);
  if (known === undefined) {
    try {
      new Intl.DateTimeFormat('en-GB', { timeZone: zone });
      known = true;
    } catch {
      known = false;
    }
    if (zones.size < 1_000) zones.set(zone, known);
  }
  return known;
}

const hour = v.pipe(v.number(), v.integer('must be a whole hour'), v.minValue(0), v.maxValue(23));

/**
 * Each organisation setting's rule: what the API accepts, and what the readers (ingest detection, the silence job,
 * acknowledgements) use — a stored value that breaks it (edited by hand) is replaced by the default there.
 */
export const OrganisationSettingRules = {
  timeZone: v.pipe(v.string(), v.maxLength(64), v.check(isKnownTimeZone, 'must be an IANA time zone, e.g. Asia/Seoul')),
  nightHours: v.pipe(
    v.strictObject({ start: hour, end: hour }),
    v.check(({ start, end }) => start !== end, 'start and end must differ'),
  ),
  hubOfflineMinutes: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(1_440)),
  ackTimeoutSeconds: v.partial(
    v.strictObject(
      Object.fromEntries(alertSeverity.enumValues.map((severity) => [severity, AckTimeoutSchema])) as {
        [severity in (typeof alertSeverity.enumValues)[number]]: typeof AckTimeoutSchema;
      },
    ),
  ),
  eventMediaKinds: v.record(
    v.picklist(alertKind.enumValues, 'must be an alert kind'),
    v.picklist(alertSeverity.enumValues, 'must be a severity: the lowest that captures media'),
  ),
  mediaRetentionDays: v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(3_650)),
};

/** The stored value of one setting if it keeps the rule, else undefined (the reader's default applies). */
export function usableSetting<Key extends keyof typeof OrganisationSettingRules>(
  key: Key,
  stored: unknown,
): v.InferOutput<(typeof OrganisationSettingRules)[Key]> | undefined {
  const parsed = v.safeParse(OrganisationSettingRules[key], stored);
  return parsed.success ? (parsed.output as v.InferOutput<(typeof OrganisationSettingRules)[Key]>) : undefined;
}
