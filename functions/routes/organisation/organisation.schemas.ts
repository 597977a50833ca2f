import * as v from 'valibot';
import { OrganisationSettingRules } from '../../../db/organisation-settings';

/** A change: the settings it names (null removes one, back to the default); each by the rule its readers apply. */
export const SettingsPatch = v.pipe(
  v.strictObject({
    timeZone: v.optional(v.nullable(OrganisationSettingRules.timeZone)),
    nightHours: v.optional(v.nullable(OrganisationSettingRules.nightHours)),
    hubOfflineMinutes: v.optional(v.nullable(OrganisationSettingRules.hubOfflineMinutes)),
    ackTimeoutSeconds: v.optional(v.nullable(OrganisationSettingRules.ackTimeoutSeconds)),
    eventMediaKinds: v.optional(v.nullable(OrganisationSettingRules.eventMediaKinds)),
    mediaRetentionDays: v.optional(v.nullable(OrganisationSettingRules.mediaRetentionDays)),
  }),
  v.check((patch) => Object.keys(patch).length > 0, 'name at least one setting'),
);

const Settings = v.object({
  timeZone: v.string(),
  nightHours: v.object({ start: v.number(), end: v.number() }),
  hubOfflineMinutes: v.number(),
  ackTimeoutSeconds: v.record(v.string(), v.nullable(v.number())),
  eventMediaKinds: v.pipe(
    v.record(v.string(), v.string()),
    v.description('Alert kinds that attach a snapshot and a clip, each with the lowest severity that does'),
  ),
  mediaRetentionDays: v.pipe(v.number(), v.description('Days stored snapshots and clips are kept')),
});

export const SettingsSchema = v.pipe(
  v.object({
    effective: v.pipe(Settings, v.description('What applies: the organisation’s own values over the defaults')),
    stored: v.pipe(v.record(v.string(), v.unknown()), v.description('The organisation’s own values only')),
  }),
  v.metadata({ ref: 'OrganisationSettings' }),
);
