import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type SeededOrganisation, seedDemoOrganisation } from '../../infra/demo-organisation';
import { createTestDatabase, type TestDatabase } from '../testing/database';
import { claimDeliveries, releaseClaims, replayDeliveries } from './outstanding';
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
      const page = await replayDeliveries(t.sql, {
        staffId: delivery.staffId,
        afterSeq: delivery.seq - 1,
        resendSeconds: 60,
        nodeId: 'node-test',
      });
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
});
