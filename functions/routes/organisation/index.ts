import { createRouter } from '../../create-app';
import * as handlers from './organisation.handlers';

/** `/v1/organisation`: the caller's organisation as a whole (its settings). */
export const organisationRoutes = createRouter()
  .get('/settings', ...handlers.getSettings)
  .patch('/settings', ...handlers.patchSettings);
