import type { ActiveStaffMemo } from '../core/auth/active-staff-memo';
import type { Cache } from '../core/cache/cache';
import type { Limiters } from '../core/limits/limiter';
import type { Logger } from '../core/logger';
import type { MediaStore } from '../core/media/media-store';
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
  /**
   * Where event media (alert snapshots and clips) is read from: the realtime node's store. Null on Workers without an
   * S3-compatible bucket configured (a Workers isolate cannot read a folder): the media endpoints answer 503.
   */
  media: MediaStore | null;
  /** Serves the /docs UI's files; absent = /docs without its assets. */
  docsAssets?: DocsAssetReader;
}
