import { type StaffMember, staffNoLongerActive } from '../auth/staff-active';
import type { Job } from './job';

/**
 * The staff recheck as a job: of the staff members this process serves (`connected`), those the "staff still
 * active" rule now refuses (deactivated, removed). Its outcome is their ids; the runtime disconnects them.
 */
export function staffRecheckJob(connected: () => readonly StaffMember[]): Job<string[]> {
  return {
    name: 'staff-recheck',
    exclusivity: 'per-process',
    description: 'closes the dashboards of staff who were deactivated',
    run: (sql) => staffNoLongerActive(sql, connected()),
  };
}
