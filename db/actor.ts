import { staffRole } from './schema/people';

export const staffRoles = staffRole.enumValues;
export type StaffRole = (typeof staffRoles)[number];

/** The staff member a db operation acts for (core/auth's verified identity satisfies it). */
export interface Actor {
  staffId: string;
  orgId: string;
  role: StaffRole;
}
