import * as v from 'valibot';
import { presenceMode, residentSex, residentStatus, staffRole } from '../../../db/schema';
import { pageQueryFields } from '../../lib/pagination';
import { recordSchemas } from '../../lib/record-schemas';
import {
  alertSummaryFields,
  CalendarDate,
  Name,
  Phone,
  SearchTerm,
  StorableText,
  Timestamp,
  Uuid,
} from '../../lib/schemas';

const Range = (min: number, max: number) =>
  v.pipe(
    v.strictObject({ min: v.pipe(v.number(), v.minValue(min)), max: v.pipe(v.number(), v.maxValue(max)) }),
    v.check((range) => range.min < range.max, 'min must be below max'),
  );

const EmergencyContact = v.strictObject({
  name: Name,
  relation: v.pipe(StorableText, v.trim(), v.minLength(1), v.maxLength(50)),
  phone: Phone,
  guardian: v.optional(v.boolean()),
});

const Thresholds = v.strictObject({
  inactivityHours: v.optional(
    v.pipe(
      v.strictObject({
        caution: v.pipe(v.number(), v.minValue(1)),
        warning: v.pipe(v.number(), v.minValue(1)),
        danger: v.pipe(v.number(), v.minValue(1), v.maxValue(72)),
      }),
      v.check((h) => h.caution < h.warning && h.warning < h.danger, 'must rise: caution < warning < danger'),
    ),
  ),
  heartRate: v.optional(Range(20, 250)),
  breathing: v.optional(Range(4, 60)),
  temperature: v.optional(Range(-10, 60)),
  fallConfidence: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
});

const residentFields = {
  name: Name,
  birthDate: v.optional(v.nullable(CalendarDate)),
  sex: v.optional(v.picklist(residentSex.enumValues)),
  address: v.optional(v.nullable(v.pipe(StorableText, v.trim(), v.maxLength(500)))),
  phone: v.optional(v.nullable(Phone)),
  emergencyContacts: v.optional(v.pipe(v.array(EmergencyContact), v.maxLength(10))),
  careNotes: v.optional(v.nullable(v.pipe(StorableText, v.maxLength(5000)))),
  thresholds: v.optional(Thresholds),
};

export const CreateBody = v.pipe(
  v.strictObject(residentFields),
  v.metadata({
    example: {
      name: '김순자',
      birthDate: '1941-03-15',
      sex: 'female',
      address: '서울특별시 노원구 상계로 10길',
      phone: '010-5555-1000',
      emergencyContacts: [{ name: '이민수', relation: 'son', phone: '010-7777-0000', guardian: true }],
    },
  }),
);

export const UpdateBody = v.pipe(
  v.strictObject({
    ...v.partial(v.strictObject(residentFields)).entries,
    presence: v.optional(v.picklist(presenceMode.enumValues)),
  }),
  v.check((body) => Object.keys(body).length > 0, 'send at least one field to change'),
  v.metadata({ example: { phone: '010-5555-2000', presence: 'out' } }),
);

export const ListQuery = v.object({
  ...pageQueryFields(['name', 'createdAt'] as const),
  status: v.optional(v.picklist(residentStatus.enumValues)),
  q: v.optional(SearchTerm),
});

/** A resident as the API answers it. */
export const { Item, Page } = recordSchemas('Resident', {
  name: v.string(),
  birthDate: v.nullable(v.string()),
  sex: v.picklist(residentSex.enumValues),
  address: v.nullable(v.string()),
  phone: v.nullable(v.string()),
  emergencyContacts: v.array(EmergencyContact),
  careNotes: v.nullable(v.string()),
  thresholds: Thresholds,
  status: v.picklist(residentStatus.enumValues),
  dischargedAt: v.nullable(Timestamp),
  presence: v.picklist(presenceMode.enumValues),
  presenceChangedAt: Timestamp,
  lastActivityAt: v.nullable(Timestamp),
});

export const ResidentProfileSchema = v.pipe(
  v.object({
    ...v.object(Item.entries).entries,
    assignedStaff: v.array(
      v.object({
        staffId: Uuid,
        name: v.string(),
        role: v.picklist(staffRole.enumValues),
        phone: v.nullable(v.string()),
        escalationOrder: v.number(),
      }),
    ),
    openAlerts: v.array(v.object(alertSummaryFields)),
    cameras: v.array(
      v.object({
        id: Uuid,
        name: v.string(),
        room: v.nullable(v.string()),
        residentId: Uuid,
        enabled: v.boolean(),
        consent: v.pipe(
          v.boolean(),
          v.description('Live-viewing consent is recorded; without it the camera cannot be watched'),
        ),
        eventMediaConsent: v.pipe(
          v.boolean(),
          v.description('Event-media consent is recorded; without it alerts attach no snapshot or clip from it'),
        ),
      }),
    ),
  }),
  v.metadata({
    ref: 'ResidentProfile',
    description: 'A resident with assigned staff, unresolved alerts and cameras',
  }),
);

export const EraseResultSchema = v.pipe(
  v.object({ erased: v.literal(true), sensorEventsDeleted: v.number() }),
  v.metadata({ ref: 'EraseResult' }),
);
