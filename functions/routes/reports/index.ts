import { createRouter } from '../../create-app';
import * as handlers from './reports.handlers';

/** `/v1/reports`: what the organisation's alert handling looked like over a time range. */
export const reportRoutes = createRouter()
  .get('/alert-audit', ...handlers.alertAudit)
  .get('/response-times', ...handlers.responseTimes);
