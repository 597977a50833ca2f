/** A byte range of a stored object, both ends inclusive (as in HTTP `Range: bytes=start-end`). */
export interface ByteRange {
  start: number;
  end: number;
}

export interface StoredObject {
  /** The whole object's size, whatever range was read. */
  size: number;
  contentType: string;
  body: ReadableStream<Uint8Array>;
}

/**
 * Where snapshots and clips live: a folder (one node, or a volume the services share) or an S3-compatible bucket.
 * Keys are `/`-separated paths the media code builds (`db/media-keys.ts`); the store never sees user input.
 */
export interface MediaStore {
  /** Writes the object whole, replacing any object under the key; rejects when it could not be stored. */
  put(key: string, bytes: Uint8Array<ArrayBuffer>, contentType: string): Promise<void>;
  /** The object, or `range` of it; null when there is none. */
  get(key: string, range?: ByteRange): Promise<StoredObject | null>;
  /** Removes the object; removing one that is not there succeeds. */
  delete(key: string): Promise<void>;
  /** Rejects when the store cannot take a write now (full, unwritable, unreachable): health reports it. */
  probe(): Promise<void>;
  /** For logs and health: "file:/var/lib/carewatch/media", "s3:https://s3.example/bucket". */
  readonly description: string;
}
