import { createRouter } from '../../create-app';
import * as handlers from './hubs.handlers';

/** `/v1/hubs`: home gateways and their API keys. */
export const hubRoutes = createRouter()
  .get('/', ...handlers.list)
  .get('/:id', ...handlers.get)
  .post('/', ...handlers.create)
  .patch('/:id', ...handlers.update)
  .post('/:id/rotate-key', ...handlers.rotateKey)
  .delete('/:id', ...handlers.remove);
