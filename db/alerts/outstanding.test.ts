import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type SeededOrganisation, seedDemoOrganisation } from '../../infra/demo-organisation';
import { createTestDatabase, type TestDatabase } from '../testing/database';
import { activeStaffSequences, claimDeliveries, releaseClaims, replayDeliveryPages } from './outstanding';
import { raiseAlert } from './raise-alert';

describe('outstanding deliveries: claims, releases and replays', () => {
  let t: TestDatabase;
  let org: SeededOrganisation;
  const base = { resendSeconds: 60, maxSends: 3, nodeId: 'node-test' };

  beforeAll(async () => {
    t = await createTestDatabase();
    org = await seedDemoOrganisation(t.db, { orgName: 'Outstanding Centre', slug: 'outstanding' });
  });
  afterAll(() => t.drop());

  async function newDelivery(residentIndex: number) {
    const residentId = org.residents[residentIndex]?.id ?? '';
    const raised = await t.sql.begin((tx) =>
      raiseAlert(tx, {
        orgId: org.orgId,
        residentId,
        kind: 'sos',
        severity: 'critical',
        dedupKey: `${residentId}:sos`,
        title: 'Emergency button pressed',
      }),
    );
    const [delivery] = raised.deliveries;
    if (!delivery) throw new Error('no delivery');
    return delivery;
  }

  const row = async (id: string) =>
    (
      await t.sql<{ state: string; sendCount: number; due: boolean }[]>`
        select state, send_count as "sendCount", next_send_at <= now() as due from alert_deliveries where id = ${id}`
    )[0];

  test('replays on resume record the send but do not use up the re-send budget', async () => {
    const delivery = await newDelivery(0);
    const [claimed] = await claimDeliveries(t.sql, { ...base, deliveryIds: [delivery.id] });
    expect(claimed?.sendCount).toBe(1);
    for (let resume = 0; resume < 5; resume++) {
      const [page = []] = await replayDeliveryPages(
        t.sql,
        [{ staffId: delivery.staffId, afterSeq: delivery.seq - 1 }],
        { resendSeconds: 60, nodeId: 'node-test', limit: 500 },
      );
      expect(page.map((replayed) => replayed.id)).toContain(delivery.id);
    }
    expect(await row(delivery.id)).toMatchObject({ state: 'sent', sendCount: 1 });
    const [history] = await t.sql<{ resumes: number }[]>`
      select count(*)::int as resumes from alert_delivery_history where delivery_id = ${delivery.id} and detail = 'resume'`;
    expect(history?.resumes).toBe(5);
  });

  test('a released claim is due again at once instead of after the re-send interval', async () => {
    const delivery = await newDelivery(1);
    await claimDeliveries(t.sql, { ...base, deliveryIds: [delivery.id] });
    expect(await row(delivery.id)).toMatchObject({ state: 'sent', due: false });
    expect(await claimDeliveries(t.sql, { ...base, deliveryIds: [delivery.id] })).toEqual([]);

    expect(await releaseClaims(t.sql, [delivery.id])).toBe(1);
    expect(await row(delivery.id)).toMatchObject({ state: 'sent', due: true });
    const [again] = await claimDeliveries(t.sql, { ...base, deliveryIds: [delivery.id] });
    expect(again).toMatchObject({ id: delivery.id, sendCount: 2 });
  });

  test('many replay pages in one round trip: each its own staff member, sequence order, limit and start', async () => {
    const first = await newDelivery(2);
    const second = await newDelivery(3);
    const staffIds = [first.staffId, second.staffId];
    const all = await t.sql<{ staffId: string; id: string; seq: number }[]>`
      select staff_id as "staffId", id, seq::float8 as seq from alert_deliveries
       where staff_id = any(${staffIds}::uuid[]) order by staff_id, seq`;
    const of = (staffId: string) => all.filter((row) => row.staffId === staffId);
    const firstSeqs = of(first.staffId).map((row) => row.seq);
    const requests = [
      { staffId: first.staffId, afterSeq: 0 },
      { staffId: second.staffId, afterSeq: 0 },
      // The same person again from a later point (a second tab resuming in the same moment).
      { staffId: first.staffId, afterSeq: firstSeqs.at(-2) ?? 0 },
      { staffId: org.orgId, afterSeq: 0 }, // nobody: an empty page
    ];
    const pages = await replayDeliveryPages(t.sql, requests, { resendSeconds: 60, nodeId: 'node-test', limit: 2 });
    expect(pages).toHaveLength(4);
    expect(pages[0]?.map((row) => row.seq)).toEqual(firstSeqs.slice(0, 2));
    expect(pages[1]?.map((row) => row.seq)).toEqual(
      of(second.staffId)
        .map((row) => row.seq)
        .slice(0, 2),
    );
    expect(pages[2]?.map((row) => row.seq)).toEqual(firstSeqs.slice(-1));
    expect(pages[3]).toEqual([]);
    for (const page of pages) for (const row of page) expect(row.state).toBe('sent');
  });

  test('session starts: the last sequence of each member still active in that organisation, nobody else', async () => {
    const [caregiver, other] = org.logins.filter((login) => login.role === 'caregiver');
    if (!caregiver || !other) throw new Error('seed has two caregivers');
    await t.sql`update staff set delivery_seq = 41 where id = ${caregiver.staffId}`;
    await t.sql`update staff set active = false where id = ${other.staffId}`;
    const sequences = await activeStaffSequences(t.sql, [
      { staffId: caregiver.staffId, orgId: org.orgId },
      { staffId: other.staffId, orgId: org.orgId }, // no longer active
      { staffId: caregiver.staffId, orgId: other.staffId }, // claims another organisation
    ]);
    expect(sequences).toEqual([41, null, null]);
    await t.sql`update staff set active = true where id = ${other.staffId}`;
  });
});
