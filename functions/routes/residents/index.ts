import { createRouter } from '../../create-app';
import * as handlers from './residents.handlers';

/** `/v1/residents`: register, profile, discharge, erase. */
export const residentRoutes = createRouter()
  .get('/', ...handlers.list)
  .get('/:id', ...handlers.profile)
  .post('/', ...handlers.create)
  .patch('/:id', ...handlers.update)
  .post('/:id/discharge', ...handlers.discharge)
  .delete('/:id', ...handlers.erase);
