import { createRouter } from '../../create-app';
import * as handlers from './notification-rules.handlers';

/** `/v1/notification-rules`: which channels reach staff, after which delays, per severity. */
export const notificationRuleRoutes = createRouter()
  .get('/', ...handlers.list)
  .put('/organisation/:severity', ...handlers.putOrganisation)
  .delete('/organisation/:severity', ...handlers.removeOrganisation)
  .put('/staff/:staffId/:severity', ...handlers.putStaff)
  .delete('/staff/:staffId/:severity', ...handlers.removeStaff);
