import { describeStaffRoute, jsonResponse } from '../../lib/openapi';
import { adminsOnly, managersOnly } from '../../lib/roles';
import { validate } from '../../lib/validate';
import { SettingsPatch, SettingsSchema } from './organisation.schemas';

const tags = ['organisation'];

export const getSettings = [
  describeStaffRoute({
    tags,
    summary: 'The organisation’s settings',
    description: 'Managers and admins: time zone, night hours, hub-offline minutes, acknowledgement timeouts.',
    responses: { 200: jsonResponse('Effective and stored settings', SettingsSchema) },
  }),
  managersOnly(),
] as const;

export const patchSettings = [
  describeStaffRoute({
    tags,
    summary: 'Change the organisation’s settings',
    description:
      'Admins. Names the settings to change (null: back to the default). Each is checked by the rule its readers ' +
      'apply (ingest detection, the silence job, acknowledgements): an IANA time zone, night hours 0–23 that ' +
      'differ, hub-offline minutes 1–1,440, acknowledgement timeouts 1 s–7 days or null (never). Applies to the ' +
      'next hub batch and the next acknowledgement. Audited with the values before and after.',
    responses: { 200: jsonResponse('The settings now', SettingsSchema) },
    errors: ['VALIDATION_FAILED'],
  }),
  adminsOnly(),
  validate('json', SettingsPatch),
] as const;
