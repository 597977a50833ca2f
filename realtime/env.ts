import * as v from 'valibot';

const port = (fallback: string) =>
  v.pipe(v.optional(v.string(), fallback), v.transform(Number), v.integer(), v.minValue(0), v.maxValue(65_535));

/** Configuration of the realtime node, read from `process.env`. */
export const RealtimeEnv = v.object({
  DATABASE_URL: v.pipe(
    v.string('DATABASE_URL is required'),
    v.regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL'),
  ),
  JWT_SECRET: v.pipe(v.string('JWT_SECRET is required'), v.minLength(32, 'must be at least 32 characters')),
  REALTIME_PORT: port('8788'),
  LOG_LEVEL: v.optional(v.picklist(['debug', 'info', 'warn', 'error']), 'info'),
  /** Identifies this node in delivery history rows; defaults to host:pid. */
  NODE_ID: v.optional(v.pipe(v.string(), v.minLength(1))),
});

export type RealtimeConfig = v.InferOutput<typeof RealtimeEnv>;
