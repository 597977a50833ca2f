import * as v from 'valibot';
import { S3MediaStore } from './s3-store';

const text = v.optional(v.pipe(v.string(), v.trim()), '');

/** Where event media (snapshots, clips) is stored; read by the realtime node (writes) and the API (reads, erases). */
export const MediaEnvEntries = v.object({
  /** `file`: a folder (MEDIA_DIR); `s3`: an S3-compatible bucket (MEDIA_S3_*). */
  MEDIA_STORE: v.optional(v.picklist(['file', 's3']), 'file'),
  MEDIA_DIR: v.optional(v.pipe(v.string(), v.minLength(1)), '.data/media'),
  /** Under this much free space the file store counts as full: health says degraded. */
  MEDIA_MIN_FREE_MB: v.pipe(v.optional(v.string(), '100'), v.transform(Number), v.integer(), v.minValue(0)),
  MEDIA_S3_ENDPOINT: v.optional(v.union([v.literal(''), v.pipe(v.string(), v.url())]), ''),
  MEDIA_S3_BUCKET: text,
  MEDIA_S3_REGION: v.optional(v.pipe(v.string(), v.minLength(1)), 'us-east-1'),
  MEDIA_S3_ACCESS_KEY_ID: text,
  MEDIA_S3_SECRET_ACCESS_KEY: text,
});

export const MediaEnv = v.pipe(
  MediaEnvEntries,
  v.check(
    (config) =>
      config.MEDIA_STORE !== 's3' ||
      Boolean(
        config.MEDIA_S3_ENDPOINT &&
          config.MEDIA_S3_BUCKET &&
          config.MEDIA_S3_ACCESS_KEY_ID &&
          config.MEDIA_S3_SECRET_ACCESS_KEY,
      ),
    'MEDIA_STORE=s3 needs MEDIA_S3_ENDPOINT, MEDIA_S3_BUCKET, MEDIA_S3_ACCESS_KEY_ID and MEDIA_S3_SECRET_ACCESS_KEY',
  ),
);

export type MediaConfig = v.InferOutput<typeof MediaEnv>;

/** The S3 store the configuration names, or null for the file store (which only the Node entry files build). */
export function s3MediaStore(config: MediaConfig): S3MediaStore | null {
  if (config.MEDIA_STORE !== 's3') return null;
  return new S3MediaStore({
    endpoint: config.MEDIA_S3_ENDPOINT,
    bucket: config.MEDIA_S3_BUCKET,
    region: config.MEDIA_S3_REGION,
    accessKeyId: config.MEDIA_S3_ACCESS_KEY_ID,
    secretAccessKey: config.MEDIA_S3_SECRET_ACCESS_KEY,
  });
}
