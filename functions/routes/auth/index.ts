import { createRouter } from '../../create-app';
import * as handlers from './auth.handlers';

/** `/v1/auth`: login, refresh-token rotation, logout. */
export const authRoutes = createRouter()
  .post('/login', ...handlers.login)
  .post('/refresh', ...handlers.refresh)
  .post('/logout', ...handlers.logout);
