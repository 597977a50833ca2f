import { defaultOrganisationSettings, defaultThresholds } from '../../db/defaults';
import { usableSetting } from '../../db/organisation-settings';
import type { OrganisationSettings } from '../../db/schema/organisations';
import type { ResidentThresholds } from '../../db/schema/people';

/** What detection needs to know about one resident: their thresholds over the org's settings over the defaults. */
export interface DetectionSettings {
  thresholds: Required<ResidentThresholds>;
  timeZone: string;
  nightHours: { start: number; end: number };
  hubOfflineMinutes: number;
}

export function detectionSettings(
  org: OrganisationSettings | null | undefined,
  resident: ResidentThresholds | null | undefined,
): DetectionSettings {
  return {
    thresholds: { ...defaultThresholds, ...definedOnly(resident ?? {}) },
    timeZone: usableSetting('timeZone', org?.timeZone) ?? defaultOrganisationSettings.timeZone,
    nightHours: usableSetting('nightHours', org?.nightHours) ?? defaultOrganisationSettings.nightHours,
    hubOfflineMinutes:
      usableSetting('hubOfflineMinutes', org?.hubOfflineMinutes) ?? defaultOrganisationSettings.hubOfflineMinutes,
  };
}

const hourFormats = new Map<string, Intl.DateTimeFormat>();

/** The hour (0–23) on the organisation's wall clock at `time`. */
export function localHour(time: Date, timeZone: string): number {
  let format = hourFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', { timeZone, hour: 'numeric', hourCycle: 'h23' });
    hourFormats.set(timeZone, format);
  }
  return Number(format.format(time)) % 24;
}

/** Night hours may wrap midnight ({start: 23, end: 6}) or not ({start: 1, end: 5}). */
export function isNight(time: Date, settings: Pick<DetectionSettings, 'timeZone' | 'nightHours'>): boolean {
  const hour = localHour(time, settings.timeZone);
  const { start, end } = settings.nightHours;
  return start > end ? hour >= start || hour < end : hour >= start && hour < end;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry != null)) as Partial<T>;
}

const dateFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar date (YYYY-MM-DD) on the organisation's wall clock at `time`. */
export function localDate(time: Date, timeZone: string): string {
  let format = dateFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
    dateFormats.set(timeZone, format);
  }
  return format.format(time);
}
