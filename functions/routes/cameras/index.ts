import { createRouter } from '../../create-app';
import * as grants from './camera-grants.handlers';
import * as handlers from './cameras.handlers';

/** `/v1/cameras/:id/grants`: standing access to a camera's resident outside open alerts. */
const cameraGrantRoutes = createRouter()
  .get('/', ...grants.list)
  .post('/', ...grants.create)
  .delete('/:grantId', ...grants.revoke);

/** `/v1/cameras`: room cameras and the consent they need. */
export const cameraRoutes = createRouter()
  .get('/', ...handlers.list)
  .get('/:id', ...handlers.get)
  .post('/', ...handlers.create)
  .patch('/:id', ...handlers.update)
  .delete('/:id', ...handlers.remove)
  .route('/:id/grants', cameraGrantRoutes);
