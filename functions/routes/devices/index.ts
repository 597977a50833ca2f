import { createRouter } from '../../create-app';
import * as handlers from './devices.handlers';

/** `/v1/devices`: the sensors on a hub. */
export const deviceRoutes = createRouter()
  .get('/', ...handlers.list)
  .get('/:id', ...handlers.get)
  .post('/', ...handlers.create)
  .patch('/:id', ...handlers.update)
  .delete('/:id', ...handlers.remove);
