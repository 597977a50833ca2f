import { sql } from 'drizzle-orm';
import { handle } from '../../lib/handlers';
import * as routes from './health.routes';

/** Liveness and dependency health: 200 when the database answers, 503 when it does not; cache outages degrade. */
export const get = handle(...routes.get, async (c) => {
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
});
