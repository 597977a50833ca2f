import { anyStaff } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import * as schemas from './alerts.schemas';

/** Read-only: alerts are acknowledged and resolved over the WebSocket. */
const alerts = resourceRoutes({ one: 'alert', guard: anyStaff, schemas });

export const list = alerts.list({
  description: 'Newest first by default. Caregivers see alerts of residents assigned to them only.',
});

export const get = alerts.get();
