import { sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  date,
  index,
  integer,
  jsonb,
  pgEnum,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { id, timestamps } from './_helpers';
import { organisations } from './organisations';

export const staffRole = pgEnum('staff_role', ['admin', 'manager', 'caregiver']);
export const residentStatus = pgEnum('resident_status', ['active', 'discharged']);
export const residentSex = pgEnum('resident_sex', ['female', 'male', 'other', 'unknown']);
/** Away modes pause the no-activity clock; long_absence has its own, longer ladder. */
/** The language a staff member's notifications (push, webhook texts) are written in; the console follows it. */
export const staffLanguage = pgEnum('staff_language', ['ko', 'en']);
export const presenceMode = pgEnum('presence_mode', ['home', 'out', 'long_absence']);

export const staff = pgTable(
  'staff',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** Stored lower-cased; unique per organisation, not globally. */
    email: text('email').notNull(),
    phone: text('phone'),
    role: staffRole('role').notNull(),
    passwordHash: text('password_hash').notNull(),
    active: boolean('active').notNull().default(true),
    language: staffLanguage('language').notNull().default('ko'),
    /** Last per-staff delivery sequence handed out; bumped under the row lock so sequences commit in order. */
    deliverySeq: bigint('delivery_seq', { mode: 'number' }).notNull().default(0),
    ...timestamps,
  },
  (t) => [uniqueIndex('staff_org_email_key').on(t.orgId, t.email), index('staff_org_role_idx').on(t.orgId, t.role)],
);

export interface EmergencyContact {
  name: string;
  relation: string;
  phone: string;
  /** Guardians are alerted alongside staff for critical alerts and may give camera consent. */
  guardian?: boolean;
}

/** Per-resident overrides of the detection defaults; absent keys fall back to the org/product defaults. */
export interface ResidentThresholds {
  /** Hours without activity for caution / warning / danger. */
  inactivityHours?: { caution: number; warning: number; danger: number };
  heartRate?: { min: number; max: number };
  breathing?: { min: number; max: number };
  temperature?: { min: number; max: number };
  fallConfidence?: number;
}

export const residents = pgTable(
  'residents',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    birthDate: date('birth_date', { mode: 'string' }),
    sex: residentSex('sex').notNull().default('unknown'),
    address: text('address'),
    phone: text('phone'),
    emergencyContacts: jsonb('emergency_contacts').$type<EmergencyContact[]>().notNull().default([]),
    careNotes: text('care_notes'),
    thresholds: jsonb('thresholds').$type<ResidentThresholds>().notNull().default({}),
    status: residentStatus('status').notNull().default('active'),
    dischargedAt: timestamp('discharged_at', { withTimezone: true }),
    presence: presenceMode('presence').notNull().default('home'),
    presenceChangedAt: timestamp('presence_changed_at', { withTimezone: true }).notNull().defaultNow(),
    /** Last activity-class event; the no-activity ladder is measured from here. */
    lastActivityAt: timestamp('last_activity_at', { withTimezone: true }),
    ...timestamps,
  },
  (t) => [
    index('residents_org_status_idx').on(t.orgId, t.status),
    index('residents_org_name_idx').on(t.orgId, t.name, t.id),
  ],
);

export const assignments = pgTable(
  'assignments',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    staffId: uuid('staff_id')
      .notNull()
      .references(() => staff.id, { onDelete: 'cascade' }),
    residentId: uuid('resident_id')
      .notNull()
      .references(() => residents.id, { onDelete: 'cascade' }),
    /** 1 is told first; escalation walks upwards. */
    escalationOrder: integer('escalation_order').notNull().default(1),
    ...timestamps,
  },
  (t) => [
    uniqueIndex('assignments_staff_resident_key').on(t.staffId, t.residentId),
    index('assignments_resident_order_idx').on(t.residentId, t.escalationOrder),
    index('assignments_org_idx').on(t.orgId),
    check('assignments_escalation_order_positive', sql`${t.escalationOrder} >= 1`),
  ],
);

export type Staff = typeof staff.$inferSelect;
export type NewStaff = typeof staff.$inferInsert;
export type Resident = typeof residents.$inferSelect;
export type NewResident = typeof residents.$inferInsert;
export type Assignment = typeof assignments.$inferSelect;
export type NewAssignment = typeof assignments.$inferInsert;
