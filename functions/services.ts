import type { ActiveStaffMemo } from '../core/auth/active-staff-memo';
import type { Cache } from '../core/cache/cache';
import type { Limiters } from '../core/limits/limiter';
import type { Logger } from '../core/logger';
import type { Database, Sql } from '../db/client';
import type { FunctionsConfig } from './env';
import type { DocsAssetReader } from './routes/docs/docs-assets';

/** What handlers need from the outside world; the runtime entry files build it. */
export interface Services {
  config: FunctionsConfig;
  db: Database;
  sql: Sql;
  cache: Cache;
  /** Rate limits (ingest per hub, login failures): shared through Redis when the cache is, else in-process. */
  limiters: Limiters;
  logger: Logger;
  /** This process's memory of which staff are still active (one per process, or per isolate on Workers). */
  activeStaff: ActiveStaffMemo;
  /** Serves the /docs UI's files; absent = /docs without its assets. */
  docsAssets?: DocsAssetReader;
}
