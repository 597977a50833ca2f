import { timestamp, uuid } from 'drizzle-orm/pg-core';

/** Primary key shared by every entity table: random UUIDs so ids leak nothing about volume or order. */
export const id = () => uuid('id').primaryKey().defaultRandom();

export const timestamps = {
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true })
    .notNull()
    .defaultNow()
    .$onUpdate(() => new Date()),
};
