import * as v from 'valibot';
import { pageQueryFields } from '../../lib/pagination';
import { recordSchemas } from '../../lib/record-schemas';
import { Name, StorableText, Timestamp, Uuid } from '../../lib/schemas';

const Room = v.pipe(StorableText, v.trim(), v.minLength(1), v.maxLength(100));
const positiveInt = (max: number) => v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(max));

export const CameraSource = v.variant('type', [
  v.strictObject({
    type: v.literal('rtp'),
    port: v.pipe(v.number(), v.integer(), v.minValue(1024), v.maxValue(65_535)),
    // RTP's SSRC is 32 bits (RFC 3550); a larger number matches no packet and overflows the port check's bigint.
    ssrc: v.optional(v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(0xffff_ffff))),
    payloadType: v.optional(v.pipe(v.number(), v.integer(), v.minValue(96), v.maxValue(127))),
    allowFrom: v.optional(
      v.pipe(
        v.array(v.pipe(StorableText, v.ipv4())),
        v.minLength(1),
        v.maxLength(16),
        v.description('IPv4 addresses the camera (or its hub) sends from; packets from anywhere else are dropped.'),
      ),
    ),
  }),
  v.strictObject({
    type: v.literal('test-pattern'),
    width: v.optional(positiveInt(3840)),
    height: v.optional(positiveInt(2160)),
    fps: v.optional(positiveInt(60)),
    gopSeconds: v.optional(positiveInt(60)),
  }),
]);

const ConsentGivenBy = v.pipe(
  StorableText,
  v.trim(),
  v.minLength(1),
  v.maxLength(200),
  v.description('Who consented: the resident or a named guardian. No consent, no stream.'),
);

const EventMediaConsentGivenBy = v.pipe(
  StorableText,
  v.trim(),
  v.minLength(1),
  v.maxLength(200),
  v.description(
    'Who consented to event media (a snapshot and a pre-alarm clip attached to alerts of the kinds the ' +
      'organisation names), separately from live viewing: the resident or a named guardian. No consent, no media.',
  ),
);

export const CreateBody = v.pipe(
  v.strictObject({
    residentId: Uuid,
    name: Name,
    room: v.optional(v.nullable(Room)),
    source: CameraSource,
    consentGivenBy: v.optional(v.nullable(ConsentGivenBy)),
    eventMediaConsentGivenBy: v.optional(v.nullable(EventMediaConsentGivenBy)),
    enabled: v.optional(v.boolean()),
  }),
  v.metadata({
    example: {
      residentId: '9d7a1b2c-3e4f-4a5b-8c6d-7e8f9a0b1c2d',
      name: 'Living room camera',
      room: 'living room',
      source: { type: 'rtp', port: 5004 },
      consentGivenBy: '김순자 (resident)',
      eventMediaConsentGivenBy: '김순자 (resident)',
    },
  }),
);

export const UpdateBody = v.pipe(
  v.strictObject({
    name: v.optional(Name),
    room: v.optional(v.nullable(Room)),
    source: v.optional(CameraSource),
    consentGivenBy: v.optional(
      v.nullable(v.pipe(ConsentGivenBy, v.description('null withdraws consent; a new value records it again'))),
    ),
    eventMediaConsentGivenBy: v.optional(
      v.nullable(
        v.pipe(
          EventMediaConsentGivenBy,
          v.description(
            "null withdraws it and deletes the camera's stored snapshots and clips (their bytes are purged from " +
              'the media store); a new value records it again',
          ),
        ),
      ),
    ),
    enabled: v.optional(v.boolean()),
  }),
  v.check((body) => Object.keys(body).length > 0, 'send at least one field to change'),
);

export const ListQuery = v.object({
  ...pageQueryFields(['name', 'createdAt'] as const),
  residentId: v.optional(Uuid),
});

/** A camera as the API answers it. */
export const { Item, Page } = recordSchemas('Camera', {
  residentId: Uuid,
  name: v.string(),
  room: v.nullable(v.string()),
  source: CameraSource,
  consentGivenBy: v.nullable(v.string()),
  consentRecordedBy: v.nullable(Uuid),
  consentRecordedAt: v.nullable(Timestamp),
  eventMediaConsentGivenBy: v.nullable(v.string()),
  eventMediaConsentRecordedBy: v.nullable(Uuid),
  eventMediaConsentRecordedAt: v.nullable(Timestamp),
  enabled: v.boolean(),
});
