import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { cameras, organisations, residents } from '../schema';
import { createTestDatabase, type TestDatabase } from '../testing/database';
import { claimFeedLease, claimFeedLeases, releaseFeedLeases } from './camera-feed-leases';

const a = { nodeId: 'node-a', nodeUrl: 'http://a:1' };
const b = { nodeId: 'node-b', nodeUrl: 'http://b:1' };

describe('camera feed leases', () => {
  let t: TestDatabase;
  let cameraIds: string[];

  beforeAll(async () => {
    t = await createTestDatabase();
    const [org] = await t.db.insert(organisations).values({ name: 'Leases' }).returning();
    const [resident] = await t.db
      .insert(residents)
      .values({ orgId: org?.id ?? '', name: 'Kim' })
      .returning();
    const consented = { orgId: org?.id ?? '', residentId: resident?.id ?? '', consentGivenBy: 'resident' };
    const rows = await t.db
      .insert(cameras)
      .values(
        Array.from({ length: 20 }, (_, index) => ({
          ...consented,
          name: `camera ${index}`,
          source: { type: 'rtp' as const, port: 20_000 + index },
          consentRecordedAt: new Date(),
        })),
      )
      .returning();
    // One camera without consent: nobody leases it.
    await t.db.insert(cameras).values({ ...consented, name: 'no consent', source: { type: 'rtp', port: 30_000 } });
    cameraIds = rows.map((row) => row.id).sort();
  });
  afterAll(() => t.drop());

  const held = async () =>
    (
      await t.sql<{ cameraId: string; nodeId: string }[]>`
      select camera_id as "cameraId", node_id as "nodeId" from camera_feed_leases where lease_until > now()`
    ).sort((x, y) => x.cameraId.localeCompare(y.cameraId));

  test('two nodes claiming at once: every consented camera is leased to exactly one of them, each told its own', async () => {
    const [ofA, ofB] = await Promise.all([claimFeedLeases(t.sql, a, 10_000), claimFeedLeases(t.sql, b, 10_000)]);
    const ids = (rows: { id: string }[]) => rows.map((row) => row.id);
    expect([...ids(ofA), ...ids(ofB)].sort()).toEqual(cameraIds);
    const leases = await held();
    expect(leases.map((lease) => lease.cameraId)).toEqual(cameraIds);
    for (const lease of leases) expect(ids(lease.nodeId === a.nodeId ? ofA : ofB)).toContain(lease.cameraId);
    // Renewing changes nothing; the other node still gets none of them.
    const before = new Map(leases.map((lease) => [lease.cameraId, lease.nodeId]));
    await claimFeedLeases(t.sql, b, 10_000);
    await claimFeedLeases(t.sql, a, 10_000);
    expect(new Map((await held()).map((lease) => [lease.cameraId, lease.nodeId]))).toEqual(before);
  });

  test("an expired lease is taken by the next claim; a released node's cameras go at once", async () => {
    const [first] = cameraIds;
    const holder = await claimFeedLease(t.sql, first ?? '', b, 10_000);
    const other = holder?.nodeId === a.nodeId ? b : a;
    await t.sql`update camera_feed_leases set lease_until = now() - interval '1 second' where camera_id = ${first ?? ''}`;
    expect(await claimFeedLease(t.sql, first ?? '', other, 10_000)).toEqual(other);
    expect(await claimFeedLease(t.sql, '00000000-0000-4000-8000-000000000000', a, 10_000)).toBeNull();

    await releaseFeedLeases(t.sql, a.nodeId);
    expect((await claimFeedLeases(t.sql, b, 10_000)).map((row) => row.id).sort()).toEqual(cameraIds);
  });
});
