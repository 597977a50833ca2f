import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import type { ByteRange, MediaStore, StoredObject } from './media-store';

const contentTypes: Record<string, string> = { jpg: 'image/jpeg', mp4: 'video/mp4' };

/** Keys are built by the media code, but a key that could climb out of the folder is refused all the same. */
function checkedKey(key: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*(\/[A-Za-z0-9][A-Za-z0-9._-]*)*$/.test(key) || key.includes('..')) {
    throw new Error(`not a media key: ${JSON.stringify(key)}`);
  }
  return key;
}

/**
 * Media in a folder: `.data/media` under `npm start`, a volume shared by the realtime and API containers in
 * compose. Writes go to a temporary file renamed into place, so a reader never sees half a clip.
 */
export class FileMediaStore implements MediaStore {
  readonly description: string;
  private readonly root: string;
  private writes = 0;

  /** `minFreeBytes`: below this much free space the store reports itself unable to take writes (`probe`). */
  constructor(
    root: string,
    private readonly minFreeBytes = 100 * 1024 * 1024,
  ) {
    this.root = resolve(root);
    this.description = `file:${this.root}`;
  }

  private path(key: string): string {
    return join(this.root, checkedKey(key));
  }

  /** The content type is not stored: a file's extension says it (`get`). */
  async put(key: string, bytes: Uint8Array<ArrayBuffer>, _contentType?: string): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const temporary = `${path}.${process.pid}.${++this.writes}.partial`;
    try {
      await writeFile(temporary, bytes);
      await rename(temporary, path);
    } catch (error) {
      await rm(temporary, { force: true });
      throw error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<StoredObject | null> {
    const path = this.path(key);
    let size: number;
    try {
      const stats = await stat(path);
      if (!stats.isFile()) return null;
      size = stats.size;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
    const stream = createReadStream(path, range ? { start: range.start, end: range.end } : {});
    const extension = key.slice(key.lastIndexOf('.') + 1);
    return {
      size,
      contentType: contentTypes[extension] ?? 'application/octet-stream',
      body: Readable.toWeb(stream) as ReadableStream<Uint8Array>,
    };
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async probe(): Promise<void> {
    await mkdir(this.root, { recursive: true });
    const probe = join(this.root, `.probe-${process.pid}`);
    await writeFile(probe, 'ok');
    await rm(probe, { force: true });
    const space = await statfs(this.root);
    const free = space.bavail * space.bsize;
    if (free < this.minFreeBytes) {
      throw new Error(
        `${Math.round(free / 1024 / 1024)} MB free, under the ${this.minFreeBytes / 1024 / 1024} MB floor`,
      );
    }
  }
}
