import { requireStaff } from '../auth/require-staff';

/** Role guards named for who passes them. */
export const anyStaff = () => requireStaff();
export const managersOnly = () => requireStaff({ roles: ['admin', 'manager'] });
export const adminsOnly = () => requireStaff({ roles: ['admin'] });
