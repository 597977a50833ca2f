import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { mediaStorageKey } from '../../db/media-keys';
import { createTestDatabase, type TestDatabase } from '../../db/testing/database';
import { type SeededOrganisation, seedDemoOrganisation } from '../../infra/demo-organisation';
import { insertAlert, insertMedia, setStorageKey } from '../../infra/testing/alert-media';
import { S3_TEST_CREDENTIALS, type S3Service, startS3Service } from '../../infra/testing/s3-service';
import { FileMediaStore } from './file-store';
import type { MediaStore } from './media-store';
import { abandonStaleCaptures, expireMedia, purgeQueuedMedia } from './retention';
import { S3MediaStore } from './s3-store';

const DAY_MS = 86_400_000;

describe('event media retention and purge (real PostgreSQL, the file store and the S3 test service)', () => {
  let database: TestDatabase;
  let north: SeededOrganisation;
  let south: SeededOrganisation;
  let folder: string;
  let s3: S3Service;

  beforeAll(async () => {
    database = await createTestDatabase({
      skipAlertAudit: 'alerts are written by hand to carry media rows; none goes through the ladder',
    });
    north = await seedDemoOrganisation(database.db, { orgName: 'North', slug: 'north', residents: 1 });
    south = await seedDemoOrganisation(database.db, { orgName: 'South', slug: 'south', residents: 1 });
    folder = await mkdtemp(join(tmpdir(), 'carewatch-retention-'));
    s3 = await startS3Service();
  });
  afterAll(async () => {
    await s3?.close();
    await rm(folder, { recursive: true, force: true });
    await database?.drop();
  });

  const sql = () => database.sql;
  const residentOf = (org: SeededOrganisation) => org.residents[0]?.id ?? '';
  const queued = async () =>
    (await sql()<{ storageKey: string }[]>`select storage_key as "storageKey" from media_purge_queue`).map(
      (row) => row.storageKey,
    );
  const clearQueue = () => sql()`delete from media_purge_queue`;

  /** A stored snapshot of a new alert of `org`, its bytes in `store`, requested `ageDays` ago. */
  async function storedSnapshot(org: SeededOrganisation, ageDays: number, store?: MediaStore) {
    const alertId = await insertAlert(sql(), { orgId: org.orgId, residentId: residentOf(org), status: 'resolved' });
    const id = await insertMedia(sql(), {
      orgId: org.orgId,
      alertId,
      residentId: residentOf(org),
      cameraId: org.cameraId,
      kind: 'snapshot',
      state: 'failed',
      requestedAt: new Date(Date.now() - ageDays * DAY_MS),
    });
    const key = mediaStorageKey({ orgId: org.orgId, alertId, id, kind: 'snapshot' });
    await setStorageKey(sql(), id, key, 3);
    await sql()`update alert_media set state = 'stored', error = null where id = ${id}`;
    await store?.put(key, new Uint8Array([1, 2, 3]), 'image/jpeg');
    return { id, key };
  }

  test("expireMedia deletes rows older than each organisation's retention (default 30 days) and queues their bytes", async () => {
    await sql()`update organisations set settings = settings || '{"mediaRetentionDays": 7}' where id = ${south.orgId}`;
    const northOld = await storedSnapshot(north, 31);
    const northKept = await storedSnapshot(north, 20);
    const southOld = await storedSnapshot(south, 8);
    const southKept = await storedSnapshot(south, 6);
    await clearQueue();
    const now = new Date();
    expect(await expireMedia(sql(), now)).toBe(2);
    const left = (await sql()<{ id: string }[]>`select id from alert_media`).map((row) => row.id);
    expect(left).toEqual(expect.arrayContaining([northKept.id, southKept.id]));
    expect(left).not.toContain(northOld.id);
    expect(left).not.toContain(southOld.id);
    expect((await queued()).sort()).toEqual([northOld.key, southOld.key].sort());
    // A controllable now: 25 days on, the 20-day-old north row is past 30 days too; nothing twice.
    expect(await expireMedia(sql(), new Date(now.getTime() + 25 * DAY_MS))).toBe(2);
    expect(await expireMedia(sql(), new Date(now.getTime() + 25 * DAY_MS))).toBe(0);
    // A stored setting that breaks the rule counts as unset (30 days).
    await sql()`update organisations set settings = settings || '{"mediaRetentionDays": "soon"}' where id = ${south.orgId}`;
    const southBad = await storedSnapshot(south, 29);
    expect(await expireMedia(sql(), now)).toBe(0);
    expect(await expireMedia(sql(), new Date(now.getTime() + 2 * DAY_MS))).toBe(1);
    expect(await queued()).toContain(southBad.key);
    await clearQueue();
  });

  test('abandonStaleCaptures fails captures left capturing over 10 minutes and queues their deterministic key', async () => {
    const alertId = await insertAlert(sql(), { orgId: north.orgId, residentId: residentOf(north) });
    const base = { orgId: north.orgId, alertId, residentId: residentOf(north), cameraId: north.cameraId };
    const now = new Date();
    const stale = await insertMedia(sql(), {
      ...base,
      kind: 'clip',
      state: 'capturing',
      requestedAt: new Date(now.getTime() - 11 * 60_000),
    });
    const fresh = await insertMedia(sql(), {
      ...base,
      kind: 'snapshot',
      state: 'capturing',
      requestedAt: new Date(now.getTime() - 9 * 60_000),
    });
    expect(await abandonStaleCaptures(sql(), now)).toBe(1);
    const rows = await sql()<{ id: string; state: string; error: string | null }[]>`
      select id, state, error from alert_media where alert_id = ${alertId} order by kind`;
    expect(rows).toEqual(
      expect.arrayContaining([
        { id: stale, state: 'failed', error: 'capture abandoned' },
        { id: fresh, state: 'capturing', error: null },
      ]),
    );
    expect(await queued()).toEqual([mediaStorageKey({ orgId: north.orgId, alertId, id: stale, kind: 'clip' })]);
    expect(await abandonStaleCaptures(sql(), now)).toBe(0);
    expect(await abandonStaleCaptures(sql(), new Date(now.getTime() + 2 * 60_000))).toBe(1);
    await sql()`delete from alert_media where alert_id = ${alertId}`;
    await clearQueue();
  });

  describe.each([
    ['file', () => new FileMediaStore(folder, 0)],
    [
      's3',
      () => new S3MediaStore({ endpoint: s3.endpoint, bucket: s3.bucket, region: 'us-east-1', ...S3_TEST_CREDENTIALS }),
    ],
  ] as const)('purgeQueuedMedia against the %s store', (_name, makeStore) => {
    test('deletes the queued bytes, then the queue rows; a key the store never had counts as purged', async () => {
      const store = makeStore();
      const first = await storedSnapshot(north, 40, store);
      const second = await storedSnapshot(south, 40, store);
      await sql()`delete from alert_media where id in ${sql()([first.id, second.id])}`;
      await sql()`insert into media_purge_queue (storage_key) values ('never/stored.jpg')`;
      expect((await queued()).sort()).toEqual([first.key, second.key, 'never/stored.jpg'].sort());
      expect(await store.get(first.key)).not.toBeNull();
      expect(await purgeQueuedMedia(sql(), store, 2)).toEqual({ purged: 2, failed: 0 });
      expect(await queued()).toHaveLength(1);
      expect(await purgeQueuedMedia(sql(), store)).toEqual({ purged: 1, failed: 0 });
      expect(await queued()).toEqual([]);
      expect(await store.get(first.key)).toBeNull();
      expect(await store.get(second.key)).toBeNull();
    });
  });

  test('a store that fails keeps the queue row, counting attempts and the last error', async () => {
    const working = new FileMediaStore(folder, 0);
    const snapshot = await storedSnapshot(north, 40, working);
    await sql()`delete from alert_media where id = ${snapshot.id}`;
    const failing: MediaStore = {
      description: 'failing',
      put: () => Promise.reject(new Error('unreachable')),
      get: () => Promise.reject(new Error('unreachable')),
      delete: () => Promise.reject(new Error('store answered 503 SlowDown')),
      probe: () => Promise.reject(new Error('unreachable')),
    };
    expect(await purgeQueuedMedia(sql(), failing)).toEqual({ purged: 0, failed: 1 });
    expect(await purgeQueuedMedia(sql(), failing)).toEqual({ purged: 0, failed: 1 });
    const [row] = await sql()<{ attempts: number; lastError: string }[]>`
      select attempts, last_error as "lastError" from media_purge_queue where storage_key = ${snapshot.key}`;
    expect(row).toEqual({ attempts: 2, lastError: 'store answered 503 SlowDown' });
    expect(await working.get(snapshot.key)).not.toBeNull();
    expect(await purgeQueuedMedia(sql(), working)).toEqual({ purged: 1, failed: 0 });
    expect(await working.get(snapshot.key)).toBeNull();
    expect(await queued()).toEqual([]);
  });

  test('a slow store holds no lock or transaction while the purge waits on it, and the run stops at its budget', async () => {
    const store = new FileMediaStore(folder, 0);
    for (let index = 0; index < 6; index++) {
      const media = await storedSnapshot(north, 40, store);
      await sql()`delete from alert_media where id = ${media.id}`;
    }
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const deleted: string[] = [];
    const slow: MediaStore = {
      ...store,
      description: 'slow',
      put: store.put.bind(store),
      get: store.get.bind(store),
      probe: store.probe.bind(store),
      delete: async (key) => {
        deleted.push(key);
        await gate;
        await store.delete(key);
      },
    };
    const first = purgeQueuedMedia(sql(), slow, 10, 0);
    await expect.poll(() => deleted.length).toBe(1);
    // The key under way can be changed by anyone at once: the purge holds no row lock on it.
    await sql().begin(async (tx) => {
      await tx`set local lock_timeout = '200ms'`;
      await tx`update media_purge_queue set attempts = attempts where storage_key = ${deleted[0] ?? ''}`;
    });
    release();
    // A budget of 0 ms: the key under way finishes, no other is taken.
    expect(await first).toEqual({ purged: 1, failed: 0 });
    expect(await queued()).toHaveLength(5);
    expect(await purgeQueuedMedia(sql(), store, 10)).toEqual({ purged: 5, failed: 0 });
    expect(await queued()).toEqual([]);
  });
});
