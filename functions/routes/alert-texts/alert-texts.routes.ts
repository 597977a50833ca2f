import * as v from 'valibot';
import { describeStaffRoute, jsonResponse } from '../../lib/openapi';
import { anyStaff } from '../../lib/roles';

const Labels = v.record(v.string(), v.object({ ko: v.string(), en: v.string() }));

export const AlertTextsSchema = v.pipe(
  v.object({ kinds: Labels, outcomes: Labels, severities: Labels }),
  v.metadata({ ref: 'AlertTexts' }),
);

export const get = [
  describeStaffRoute({
    tags: ['alerts'],
    summary: 'Korean and English labels of alert kinds, severities and handling outcomes',
    description:
      'The API keeps stable codes (`sos`, `ambulance_119`, …); the console, push notifications and SMS show these ' +
      'labels in the reader’s language. One source: `core/notify/alert-text.ts`.',
    responses: { 200: jsonResponse('Labels by code', AlertTextsSchema) },
  }),
  anyStaff(),
] as const;
