import { createRouter } from '../../create-app';
import * as handlers from './on-call.handlers';

/** `/v1/on-call`: who is on call now, or at a given time, for every team. */
export const onCallRoutes = createRouter().get('/', ...handlers.everyTeam);
