import type { Cache } from '../core/cache/cache';
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
  logger: Logger;
  /** Serves the /docs UI's files; absent = /docs without its assets. */
  docsAssets?: DocsAssetReader;
}
