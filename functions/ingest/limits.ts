/** Limits of one ingest batch (the ingest contract in README "Sensor ingest"). */
export const ingestLimits = {
  /** Events in one batch; more is a 413. */
  maxEvents: 1_000,
  /** Request body bytes for a batch (1,000 events with modest payloads fit well within). */
  maxBodyBytes: 1024 * 1024,
  /** Serialised size of one event's payload. */
  maxPayloadBytes: 4 * 1024,
  /** Nesting of objects and arrays in one event's payload (PostgreSQL's jsonb parser recurses on depth). */
  maxPayloadDepth: 32,
  /** Events stamped further ahead than this are rejected: the hub's clock is wrong. */
  maxFutureSkewMs: 5 * 60_000,
  /** Events older than this are rejected: a backlog this old would land in compressed chunks and alert too late. */
  maxPastMs: 7 * 24 * 3_600_000,
} as const;
