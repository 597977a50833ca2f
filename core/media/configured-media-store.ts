import { FileMediaStore } from './file-store';
import type { MediaConfig } from './media-env';
import { s3MediaStore } from './media-env';
import type { MediaStore } from './media-store';

/** The media store a Node process uses (the realtime node, the API on Node); Workers use `s3MediaStore` only. */
export function configuredMediaStore(config: MediaConfig): MediaStore {
  return s3MediaStore(config) ?? new FileMediaStore(config.MEDIA_DIR, config.MEDIA_MIN_FREE_MB * 1024 * 1024);
}
