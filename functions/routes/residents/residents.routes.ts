import { adminsOnly, anyStaff, managersOnly } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import * as schemas from './residents.schemas';

const residents = resourceRoutes({ one: 'resident', guard: managersOnly, schemas });

export const list = residents.list({
  guard: anyStaff,
  description: 'Admins and managers see every resident of their organisation; caregivers only those assigned to them.',
});

export const profile = residents.get({
  summary: 'Resident profile',
  what: 'profile',
  returns: schemas.ResidentProfileSchema,
  guard: anyStaff,
  description:
    'The resident with assigned staff (by escalation order), unresolved alerts and cameras (with whether ' +
    'consent is recorded). Read-through cached (`x-cache: hit|miss`); every write that changes it, and every ' +
    'alert change, invalidates it; `lastActivityAt` may lag routine sensor batches by up to 30 s.',
});

export const create = residents.create('Register a resident', { answer: 'Registered' });

export const update = residents.update('Update a resident', {
  description: 'Only the fields sent change. Changing `presence` also restarts its clock.',
});

export const discharge = residents.action('Unregister (discharge) a resident', {
  answer: 'Discharged',
  conflict: true,
  description:
    'Marks the resident discharged and keeps every record (events, alerts, audit). Discharging twice is a 409.',
});

export const erase = residents.action('Erase a resident (admins only)', {
  answer: 'Erased',
  returns: schemas.EraseResultSchema,
  guard: adminsOnly,
  description:
    'Hard delete for a data-protection request: the resident, their sensor events, alerts, assignments and ' +
    'cameras are removed; hubs stay, unassigned. The audit log keeps who erased whom and when, nothing more.',
});
