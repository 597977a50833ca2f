import { createRouter } from '../../create-app';
import * as handlers from './health.handlers';

/** `/healthz`: liveness and dependency health. */
export const healthRoutes = createRouter().get('/healthz', ...handlers.get);
