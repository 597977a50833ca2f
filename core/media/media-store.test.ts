import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { S3_TEST_CREDENTIALS, type S3Service, startS3Service } from '../../infra/testing/s3-service';
import { FileMediaStore } from './file-store';
import type { MediaStore } from './media-store';
import { S3MediaStore } from './s3-store';

async function readAll(store: MediaStore, key: string, range?: { start: number; end: number }) {
  const object = await store.get(key, range);
  if (!object) return null;
  const bytes = new Uint8Array(await new Response(object.body).arrayBuffer());
  return { size: object.size, contentType: object.contentType, bytes };
}

let folder: string;
let s3: S3Service;
const stores: Record<string, () => MediaStore> = {};

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'carewatch-media-'));
  s3 = await startS3Service();
  stores.file = () => new FileMediaStore(folder, 0);
  stores.s3 = () =>
    new S3MediaStore({ endpoint: s3.endpoint, bucket: s3.bucket, region: 'us-east-1', ...S3_TEST_CREDENTIALS });
});

afterAll(async () => {
  await s3?.close();
  await rm(folder, { recursive: true, force: true });
});

describe.each(['file', 's3'])('the %s media store', (name) => {
  test('stores, reads whole and by range, replaces, deletes (twice without error)', async () => {
    const store = stores[name]!();
    const bytes = new Uint8Array(70_000).map((_, index) => index % 251);
    await store.put('org/alert/one.mp4', bytes, 'video/mp4');
    const whole = await readAll(store, 'org/alert/one.mp4');
    expect(whole?.size).toBe(70_000);
    expect(whole?.contentType).toBe('video/mp4');
    expect(whole?.bytes).toEqual(bytes);
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: 69_999 }), fc.integer({ min: 0, max: 69_999 }), async (a, b) => {
        const range = { start: Math.min(a, b), end: Math.max(a, b) };
        const part = await readAll(store, 'org/alert/one.mp4', range);
        expect(part?.size).toBe(70_000);
        expect(part?.bytes).toEqual(bytes.slice(range.start, range.end + 1));
      }),
      { numRuns: 15 },
    );
    await store.put('org/alert/one.mp4', new Uint8Array([1, 2, 3]), 'video/mp4');
    expect((await readAll(store, 'org/alert/one.mp4'))?.bytes).toEqual(new Uint8Array([1, 2, 3]));
    await store.delete('org/alert/one.mp4');
    expect(await store.get('org/alert/one.mp4')).toBeNull();
    await store.delete('org/alert/one.mp4');
    expect(await store.get('never/written.jpg')).toBeNull();
    await store.probe();
  });
});

test('the file store leaves no partial file behind and refuses keys that climb out of its folder', async () => {
  const store = new FileMediaStore(folder, 0);
  await store.put('a/b/c.jpg', new Uint8Array([255, 216, 255]), 'image/jpeg');
  expect(await readdir(join(folder, 'a/b'))).toEqual(['c.jpg']);
  for (const key of ['../escape.jpg', '/abs.jpg', 'a/../../b.jpg', 'a//b.jpg', '']) {
    await expect(store.put(key, new Uint8Array([1]), 'image/jpeg')).rejects.toThrow(/not a media key/);
  }
});

test('the file store reports itself full under its free-space floor, and unwritable when its folder is a file', async () => {
  await expect(new FileMediaStore(folder, Number.MAX_SAFE_INTEGER).probe()).rejects.toThrow(/MB free/);
  await new FileMediaStore(folder, 0).put('plain.jpg', new Uint8Array([1]), 'image/jpeg');
  await expect(new FileMediaStore(join(folder, 'plain.jpg'), 0).probe()).rejects.toThrow();
});

test('the S3 store signs its requests: the server refuses another secret', async () => {
  const forged = new S3MediaStore({
    endpoint: s3.endpoint,
    bucket: s3.bucket,
    region: 'us-east-1',
    accessKeyId: S3_TEST_CREDENTIALS.accessKeyId,
    secretAccessKey: 'not-the-secret',
  });
  await expect(forged.put('x.jpg', new Uint8Array([1]), 'image/jpeg')).rejects.toThrow(/403/);
  await expect(forged.probe()).rejects.toThrow(/403/);
});
