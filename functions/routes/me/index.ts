import { createRouter } from '../../create-app';
import { pushSubscriptionRoutes } from '../push-subscriptions';
import * as handlers from './me.handlers';

/** `/v1/me`: the calling staff member. */
export const meRoutes = createRouter()
  .get('/', ...handlers.get)
  .patch('/', ...handlers.update)
  .route('/push-subscriptions', pushSubscriptionRoutes);
