import { AwsClient } from 'aws4fetch';
import type { ByteRange, MediaStore, StoredObject } from './media-store';

export interface S3StoreConfig {
  /** The service's base URL, e.g. https://s3.ap-northeast-2.amazonaws.com or http://minio:9000. */
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** A request slower than this fails (the capture is marked failed; the alert never waits on it). */
  timeoutMs?: number;
}

/**
 * Media in an S3-compatible bucket (AWS S3, MinIO, Cloudflare R2…), path-style URLs, SigV4-signed with `aws4fetch`
 * over `fetch`, so the same code runs on Node and in a Workers isolate.
 */
export class S3MediaStore implements MediaStore {
  readonly description: string;
  private readonly client: AwsClient;
  private readonly base: string;
  private readonly timeoutMs: number;

  constructor(config: S3StoreConfig) {
    this.client = new AwsClient({
      accessKeyId: config.accessKeyId,
      secretAccessKey: config.secretAccessKey,
      region: config.region,
      service: 's3',
      retries: 0,
    });
    this.base = `${config.endpoint.replace(/\/+$/, '')}/${encodeURIComponent(config.bucket)}`;
    this.timeoutMs = config.timeoutMs ?? 10_000;
    this.description = `s3:${this.base}`;
  }

  private url(key: string): string {
    return `${this.base}/${key.split('/').map(encodeURIComponent).join('/')}`;
  }

  /**
   * The timeout runs until the answer's headers: a body (a clip streaming to a slow phone) may take longer. An upload
   * gets more time by its size, at an assumed floor of 100 KB/s.
   */
  private async request(url: string, init: RequestInit, uploadBytes = 0): Promise<Response> {
    const abort = new AbortController();
    const timer = setTimeout(
      () => abort.abort(new Error('the store did not answer in time')),
      this.timeoutMs + uploadBytes / 100,
    );
    try {
      return await this.client.fetch(url, { ...init, signal: abort.signal });
    } finally {
      clearTimeout(timer);
    }
  }

  async put(key: string, bytes: Uint8Array<ArrayBuffer>, contentType: string): Promise<void> {
    const response = await this.request(
      this.url(key),
      { method: 'PUT', body: bytes, headers: { 'content-type': contentType } },
      bytes.length,
    );
    await failUnlessOk(response, `PUT ${key}`);
    await response.body?.cancel();
  }

  async get(key: string, range?: ByteRange): Promise<StoredObject | null> {
    const headers: Record<string, string> = range ? { range: `bytes=${range.start}-${range.end}` } : {};
    const response = await this.request(this.url(key), { method: 'GET', headers });
    if (response.status === 404) {
      await response.body?.cancel();
      return null;
    }
    await failUnlessOk(response, `GET ${key}`);
    const size = totalSize(response);
    if (size === null || !response.body) {
      await response.body?.cancel();
      throw new Error(`GET ${key}: the store did not say the object's size`);
    }
    return {
      size,
      contentType: response.headers.get('content-type') ?? 'application/octet-stream',
      body: response.body,
    };
  }

  async delete(key: string): Promise<void> {
    const response = await this.request(this.url(key), { method: 'DELETE' });
    // S3 answers 204 whether or not the object was there; some compatible stores answer 404.
    if (response.status !== 404) await failUnlessOk(response, `DELETE ${key}`);
    await response.body?.cancel();
  }

  async probe(): Promise<void> {
    const key = '.probe';
    await this.put(key, new TextEncoder().encode('ok'), 'text/plain');
    await this.delete(key);
  }
}

async function failUnlessOk(response: Response, what: string): Promise<void> {
  if (response.ok) return;
  const text = (await response.text().catch(() => '')).slice(0, 200);
  throw new Error(`${what}: the store answered ${response.status} ${text}`.trim());
}

/** The whole object's size: from `Content-Range: bytes a-b/size` on a range read, else `Content-Length`. */
function totalSize(response: Response): number | null {
  const contentRange = response.headers.get('content-range');
  if (contentRange) {
    const match = /\/(\d+)$/.exec(contentRange);
    return match ? Number(match[1]) : null;
  }
  const length = response.headers.get('content-length');
  return length === null ? null : Number(length);
}
