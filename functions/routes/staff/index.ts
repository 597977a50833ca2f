import { createRouter } from '../../create-app';
import * as handlers from './staff.handlers';

/** `/v1/staff`: care workers, managers and admins. */
export const staffRoutes = createRouter()
  .get('/', ...handlers.list)
  .get('/:id', ...handlers.get)
  .post('/', ...handlers.create)
  .patch('/:id', ...handlers.update)
  .delete('/:id', ...handlers.deactivate);
