import * as v from 'valibot';

const Dependency = v.object({ ok: v.boolean(), latencyMs: v.optional(v.number()), error: v.optional(v.string()) });

export const HealthSchema = v.pipe(
  v.object({
    status: v.picklist(['ok', 'degraded', 'down']),
    service: v.literal('functions'),
    database: Dependency,
    cache: v.object({ kind: v.picklist(['memory', 'upstash']), ...Dependency.entries }),
  }),
  v.metadata({ ref: 'Health' }),
);
