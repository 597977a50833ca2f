import { requireStaff } from '../../auth/require-staff';
import { createRouter } from '../../create-app';
import * as handlers from './analytics.handlers';

/**
 * Analytics over the time series joined with resident data: a resident's timeline and hourly/daily activity, and
 * the organisation's residents ranked by concerning trends. A caregiver sees only assigned residents.
 */
export const analyticsRoutes = createRouter()
  .use('/v1/residents/:id/timeline', requireStaff())
  .use('/v1/residents/:id/activity', requireStaff())
  .use('/v1/analytics/*', requireStaff())
  .get('/v1/residents/:id/timeline', ...handlers.timeline)
  .get('/v1/residents/:id/activity', ...handlers.activity)
  .get('/v1/analytics/at-risk', ...handlers.atRisk);
