import { anyStaff } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import * as schemas from './alerts.schemas';

/** Read-only: alerts are acknowledged and resolved over the WebSocket (and from push notifications). */
const alerts = resourceRoutes({ one: 'alert', guard: anyStaff, schemas });

export const list = alerts.list({
  description: 'Newest first by default. Caregivers see alerts of residents assigned to them only.',
});

export const get = alerts.get();

export const attempts = alerts.get({
  summary: 'Who was told about an alert, and how',
  what: 'deliveries of the alert with their channel attempts',
  returns: schemas.AttemptsSchema,
  description:
    'One entry per delivery (a person told at an escalation step), each with its channel attempts: the ' +
    'dashboard (the delivery itself), and each push and webhook attempt with its state, provider status and time.',
});
