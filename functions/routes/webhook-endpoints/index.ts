import { createRouter } from '../../create-app';
import * as handlers from './webhook-endpoints.handlers';

/** `/v1/webhook-endpoints`: the organisation's integrations (admins). */
export const webhookEndpointRoutes = createRouter()
  .get('/', ...handlers.list)
  .get('/:id', ...handlers.get)
  .post('/', ...handlers.create)
  .patch('/:id', ...handlers.update)
  .post('/:id/rotate-secret', ...handlers.rotateSecret)
  .delete('/:id', ...handlers.remove);
