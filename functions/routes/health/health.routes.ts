import { describePublicRoute, jsonResponse } from '../../lib/openapi';
import { HealthSchema } from './health.schemas';

/** What the health operation is: its documentation (it takes no credentials). */

export const get = [
  describePublicRoute({
    tags: ['health'],
    summary: 'Health of the API and its dependencies',
    description: 'Database down → 503 "down". Cache down → 200 "degraded": the API keeps answering, uncached.',
    responses: {
      200: jsonResponse('Up ("ok") or up without the cache ("degraded")', HealthSchema),
      503: jsonResponse('The database is unreachable', HealthSchema),
    },
  }),
] as const;
