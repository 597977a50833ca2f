import { sql } from 'drizzle-orm';
import * as v from 'valibot';
import { createRouter } from '../../create-app';
import { describePublicRoute, jsonResponse } from '../../lib/openapi';

const Dependency = v.object({ ok: v.boolean(), latencyMs: v.optional(v.number()), error: v.optional(v.string()) });
const HealthSchema = v.pipe(
  v.object({
    status: v.picklist(['ok', 'degraded', 'down']),
    service: v.literal('functions'),
    database: Dependency,
    cache: v.object({ kind: v.picklist(['memory', 'upstash']), ...Dependency.entries }),
  }),
  v.metadata({ ref: 'Health' }),
);

/** Liveness and dependency health: 200 when the database answers, 503 when it does not; cache outages degrade. */
export const healthRoutes = createRouter().get(
  '/healthz',
  describePublicRoute({
    tags: ['health'],
    summary: 'Health of the API and its dependencies',
    description: 'Database down → 503 "down". Cache down → 200 "degraded": the API keeps answering, uncached.',
    responses: {
      200: jsonResponse('Up ("ok") or up without the cache ("degraded")', HealthSchema),
      503: jsonResponse('The database is unreachable', HealthSchema),
    },
  }),
  async (c) => {
    const { db, cache } = c.env.services;
    const started = performance.now();
    const database = await db
      .execute(sql`select 1`)
      .then(() => ({ ok: true, latencyMs: Math.round((performance.now() - started) * 10) / 10 }))
      .catch((error: Error) => ({ ok: false, error: error.message }));
    const cacheHealth = await cache.health();
    const status = !database.ok ? 'down' : cacheHealth.ok ? 'ok' : 'degraded';
    return c.json(
      { status, service: 'functions', database, cache: { kind: cache.kind, ...cacheHealth } },
      database.ok ? 200 : 503,
    );
  },
);
