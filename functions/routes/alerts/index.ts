import { createRouter } from '../../create-app';
import * as media from '../alert-media/alert-media.handlers';
import * as handlers from './alerts.handlers';

/**
 * `/v1/alerts`: read, acknowledge, resolve, annotate (the same rules as the dashboard's WebSocket), and see the
 * snapshots and clips cameras attached (`alert-media/`).
 */
export const alertRoutes = createRouter()
  .get('/', ...handlers.list)
  .get('/:id', ...handlers.get)
  .get('/:id/attempts', ...handlers.attempts)
  .get('/:id/history', ...handlers.history)
  .post('/:id/ack', ...handlers.acknowledge)
  .post('/:id/resolve', ...handlers.resolve)
  .post('/:id/notes', ...handlers.addNote)
  .get('/:id/media', ...media.list)
  .get('/:id/snapshot', ...media.snapshot)
  .get('/:id/clip', ...media.clip);
