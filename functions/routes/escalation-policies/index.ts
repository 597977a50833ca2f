import { createRouter } from '../../create-app';
import * as handlers from './escalation-policies.handlers';

/** `/v1/escalation-policies`: who is told, and how long each step waits, per severity. */
export const escalationPolicyRoutes = createRouter()
  .get('/', ...handlers.list)
  .put('/:severity', ...handlers.put)
  .delete('/:severity', ...handlers.remove);
