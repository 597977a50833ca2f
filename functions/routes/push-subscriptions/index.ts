import { createRouter } from '../../create-app';
import * as handlers from './push-subscriptions.handlers';

/** `/v1/me/push-subscriptions`: the caller's devices that get alert notifications. */
export const pushSubscriptionRoutes = createRouter()
  .get('/', ...handlers.list)
  .post('/', ...handlers.create)
  .delete('/:id', ...handlers.remove);
