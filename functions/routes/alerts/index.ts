import { createRouter } from '../../create-app';
import * as handlers from './alerts.handlers';

/** `/v1/alerts`: read-only here; alerts are acknowledged over the WebSocket. */
export const alertRoutes = createRouter()
  .get('/', ...handlers.list)
  .get('/:id', ...handlers.get)
  .get('/:id/attempts', ...handlers.attempts);
