import { anyStaff } from '../../lib/roles';
import { resourceRoutes } from '../../lib/route-specs';
import { AlertPageSchema, AlertSchema, ListAlertsQuery } from './alerts.schemas';

/** Read-only: alerts are acknowledged and resolved over the WebSocket. */
const alerts = resourceRoutes('alerts', anyStaff);

export const list = alerts.list({
  summary: 'List alerts',
  description: 'Newest first by default. Caregivers see alerts of residents assigned to them only.',
  what: 'alerts',
  page: AlertPageSchema,
  query: ListAlertsQuery,
});

export const get = alerts.get({ summary: 'One alert', what: 'alert', item: AlertSchema });
