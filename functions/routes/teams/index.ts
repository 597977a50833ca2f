import { createRouter } from '../../create-app';
import { oneTeam } from '../on-call/on-call.handlers';
import * as overrides from './overrides.handlers';
import * as rotations from './rotations.handlers';
import * as handlers from './teams.handlers';

/** `/v1/teams/:id/rotations`: the turns a team's people take. */
const rotationRoutes = createRouter()
  .get('/', ...rotations.list)
  .get('/:rotationId', ...rotations.get)
  .post('/', ...rotations.create)
  .patch('/:rotationId', ...rotations.update)
  .delete('/:rotationId', ...rotations.remove);

/** `/v1/teams/:id/overrides`: one-off changes (sick leave, swaps). */
const overrideRoutes = createRouter()
  .get('/', ...overrides.list)
  .post('/', ...overrides.create)
  .delete('/:overrideId', ...overrides.remove);

/** `/v1/teams`: on-call teams, their rotations and overrides, and who is on call for one. */
export const teamRoutes = createRouter()
  .get('/', ...handlers.list)
  .get('/:id', ...handlers.get)
  .post('/', ...handlers.create)
  .patch('/:id', ...handlers.update)
  .delete('/:id', ...handlers.remove)
  .get('/:id/on-call', ...oneTeam)
  .route('/:id/rotations', rotationRoutes)
  .route('/:id/overrides', overrideRoutes);
