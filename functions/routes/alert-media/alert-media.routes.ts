import { describeStaffRoute, jsonResponse } from '../../lib/openapi';
import { anyStaff } from '../../lib/roles';
import { IdParam } from '../../lib/schemas';
import { validate } from '../../lib/validate';
import { MediaList, MediaQuery } from './alert-media.schemas';

const rule =
  'Who may see it: managers and admins of the alert’s organisation; a caregiver assigned to the resident while ' +
  'the resident has an open or acknowledged alert, or with a standing grant (`/v1/cameras/{id}/grants`) — the ' +
  'bases of live viewing. Only media of cameras with event-media consent now is shown; the resident must be ' +
  'active. Anything else answers 404, as for an alert that does not exist.';

const binary = (description: string, type: string, extra = '') => ({
  description: `${description}${extra}`,
  headers: {
    'cache-control': { schema: { type: 'string' as const }, description: '`private, no-store`' },
    'accept-ranges': { schema: { type: 'string' as const }, description: '`bytes`' },
  },
  content: { [type]: { schema: { type: 'string' as const, format: 'binary' } } },
});

const served = (kind: 'snapshot' | 'clip', type: string, summary: string, description: string) =>
  [
    describeStaffRoute({
      tags: ['alerts'],
      summary,
      description: `${description} ${rule} Every answer with the bytes writes an audit row (\`alert.media.view\`: camera, kind, basis, range); every refusal of an existing alert's media an \`alert.media.denied\` row. HEAD answers the headers without the bytes (and writes no view row). 503 when this runtime has no media store (Workers without MEDIA_STORE=s3).`,
      parameters: [
        {
          name: 'range',
          in: 'header' as const,
          required: false,
          schema: { type: 'string' as const },
          description:
            'One range (`bytes=a-b`, `bytes=a-`, `bytes=-n`): 206 with `Content-Range`. A first position at or ' +
            'past the end: 416 with `Content-Range: bytes */size`. Several ranges, or a header that does not ' +
            'parse: ignored, 200 with the whole object (RFC 9110 §14.2).',
        },
      ],
      responses: {
        200: binary(`The ${kind}`, type),
        206: binary(`The part of the ${kind} the range asked for`, type, ' (`Content-Range: bytes a-b/size`)'),
      },
      errors: ['NOT_FOUND', 'VALIDATION_FAILED', 'RANGE_NOT_SATISFIABLE', 'UNAVAILABLE'],
    }),
    anyStaff(),
    validate('param', IdParam),
    validate('query', MediaQuery),
  ] as const;

export const list = [
  describeStaffRoute({
    tags: ['alerts'],
    summary: "An alert's snapshots and clips",
    description: `Every media row of the alert the caller may see, with its state: \`capturing\`, \`stored\` or \`failed\` with the reason (so a console can say "snapshot failed: no keyframe"). An empty list when the alert has none. ${rule}`,
    responses: { 200: jsonResponse("The alert's media", MediaList) },
    errors: ['NOT_FOUND', 'VALIDATION_FAILED'],
  }),
  anyStaff(),
  validate('param', IdParam),
] as const;

export const snapshot = served(
  'snapshot',
  'image/jpeg',
  "An alert's snapshot (JPEG)",
  'The stored snapshot of `cameraId`, or without it the alert’s latest stored snapshot; 404 when none is stored.',
);

export const clip = served(
  'clip',
  'video/mp4',
  "An alert's pre-alarm clip (MP4)",
  'The stored clip (about 20 s before and 20 s after the alert) of `cameraId`, or without it the alert’s latest ' +
    'stored clip, with byte ranges for seeking; 404 when none is stored.',
);
