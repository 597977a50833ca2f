import { sql } from 'drizzle-orm';
import { check, index, integer, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { id, timestamps } from './_helpers';
import { organisations } from './organisations';
import { staff } from './people';

export const weekdays = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof weekdays)[number];

/**
 * One weekly window of duty in the organisation's time zone, `HH:MM` to `HH:MM` on `day`; a night shift that ends
 * on the next day says so with `endsNextDay` (a shift never lasts more than 24 hours).
 */
export interface WeeklyShift {
  day: Weekday;
  start: string;
  end: string;
  endsNextDay?: boolean;
}

/** A group of staff who share on-call duty (the night desk, a district's visiting team). */
export const teams = pgTable(
  'teams',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    description: text('description'),
    ...timestamps,
  },
  (t) => [uniqueIndex('teams_org_name_key').on(t.orgId, t.name)],
);

/**
 * A team's rotation: its participants take turns of `turn_days` days, in order, from `starts_at` (a wall-clock time
 * in the organisation's time zone, so a 09:00 handover stays at 09:00 across daylight-saving changes); during a
 * turn its holder is on call in the rotation's weekly shifts (all week when `shifts` is null).
 */
export const onCallRotations = pgTable(
  'on_call_rotations',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    teamId: uuid('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    /** Staff ids in turn order; the same person may appear more than once. */
    participantIds: uuid('participant_ids').array().notNull(),
    startsAt: timestamp('starts_at', { mode: 'string' }).notNull(),
    turnDays: integer('turn_days').notNull().default(7),
    shifts: jsonb('shifts').$type<WeeklyShift[] | null>(),
    ...timestamps,
  },
  (t) => [
    index('on_call_rotations_team_idx').on(t.teamId),
    check('on_call_rotations_turn_days', sql`${t.turnDays} between 1 and 28`),
    check('on_call_rotations_participants', sql`cardinality(${t.participantIds}) between 1 and 100`),
  ],
);

/**
 * A one-off change to a team's on-call (sick leave, a swap): from `starts_at` to `ends_at` `staff_id` is on call for
 * the team in place of `replaces_staff_id`, or in place of whoever the rotations name when that is null. Where
 * overrides overlap, the one created last wins.
 */
export const onCallOverrides = pgTable(
  'on_call_overrides',
  {
    id: id(),
    orgId: uuid('org_id')
      .notNull()
      .references(() => organisations.id, { onDelete: 'cascade' }),
    teamId: uuid('team_id')
      .notNull()
      .references(() => teams.id, { onDelete: 'cascade' }),
    staffId: uuid('staff_id')
      .notNull()
      .references(() => staff.id, { onDelete: 'cascade' }),
    replacesStaffId: uuid('replaces_staff_id').references(() => staff.id, { onDelete: 'cascade' }),
    startsAt: timestamp('starts_at', { withTimezone: true }).notNull(),
    endsAt: timestamp('ends_at', { withTimezone: true }).notNull(),
    reason: text('reason'),
    createdBy: uuid('created_by').references(() => staff.id, { onDelete: 'set null' }),
    ...timestamps,
  },
  (t) => [
    index('on_call_overrides_team_idx').on(t.teamId, t.endsAt),
    check('on_call_overrides_ends_after_start', sql`${t.endsAt} > ${t.startsAt}`),
  ],
);

export type Team = typeof teams.$inferSelect;
export type OnCallRotation = typeof onCallRotations.$inferSelect;
export type OnCallOverride = typeof onCallOverrides.$inferSelect;
