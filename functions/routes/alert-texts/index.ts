import { alertTexts } from '../../../core/notify/alert-text';
import { createRouter } from '../../create-app';
import { handle } from '../../lib/handlers';
import * as routes from './alert-texts.routes';

/** `/v1/alert-texts`: what the stable alert codes say, in Korean and English. */
export const alertTextRoutes = createRouter().get('/', ...handle(...routes.get, (c) => c.json(alertTexts(), 200)));
