import { createRouter } from '../../create-app';
import * as handlers from './push.handlers';

/** `/v1/push`: what the service worker calls (with a notification's token) and the key browsers subscribe with. */
export const pushRoutes = createRouter()
  .get('/config', ...handlers.config)
  .post('/receipts', ...handlers.receipt)
  .post('/acks', ...handlers.ack)
  .post('/subscription-changes', ...handlers.subscriptionChange);
