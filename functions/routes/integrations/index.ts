import { createRouter } from '../../create-app';
import * as handlers from './integrations.handlers';

/** `/v1/integrations`: what an organisation's integration calls back (signed with its endpoint's secret). */
export const integrationRoutes = createRouter().post('/callbacks', ...handlers.callback);
