import { createRouter } from '../../create-app';
import * as handlers from './assignments.handlers';

/** `/v1/assignments`: which staff look after which resident, in escalation order. */
export const assignmentRoutes = createRouter()
  .get('/', ...handlers.list)
  .get('/:id', ...handlers.get)
  .post('/', ...handlers.create)
  .patch('/:id', ...handlers.update)
  .delete('/:id', ...handlers.remove);
