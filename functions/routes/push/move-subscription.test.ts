import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { recordAttemptOutcome } from '../../../db/alerts/channels/attempt-outcome';
import { claimDueAttempts } from '../../../db/alerts/channels/claim-attempts';
import { raiseAlert } from '../../../db/alerts/raise-alert';
import { createTestDatabase, type TestDatabase } from '../../../db/testing/database';
import { type SeededOrganisation, seedDemoOrganisation } from '../../../infra/demo-organisation';
import { moveSubscription } from './move-subscription';

describe('a subscription merged into another while a push to its old endpoint is answered "gone"', () => {
  let t: TestDatabase;
  let org: SeededOrganisation;
  let carer = '';
  let alertNumber = 0;

  beforeAll(async () => {
    t = await createTestDatabase();
    org = await seedDemoOrganisation(t.db, { orgName: 'Merge Race Centre', slug: 'merge-race' });
    const [primary] = await t.sql<{ staffId: string }[]>`
      select staff_id as "staffId" from assignments where resident_id = ${org.residents[0]?.id ?? ''}
         and escalation_order = 1`;
    carer = primary?.staffId ?? '';
  });
  afterAll(() => t.drop());

  const endpointOf = (device: string) => `https://push.example/${device}`;

  async function subscribe(device: string) {
    const [row] = await t.sql<{ id: string }[]>`
      insert into push_subscriptions (org_id, staff_id, endpoint, p256dh, auth)
      values (${org.orgId}, ${carer}, ${endpointOf(device)}, 'key', 'auth') returning id`;
    return row?.id ?? '';
  }

  async function raiseSos() {
    const residentId = org.residents[0]?.id ?? '';
    return t.sql.begin((tx) =>
      raiseAlert(tx, {
        orgId: org.orgId,
        residentId,
        kind: 'sos',
        severity: 'critical',
        dedupKey: `${residentId}:sos:merge-race:${alertNumber++}`,
        title: 'merge race',
      }),
    );
  }

  const claimPushes = async (alertId: string) =>
    (await claimDueAttempts(t.sql, { nodeId: 'test-node', leaseSeconds: 30, limit: 100, channels: ['push'] })).filter(
      (attempt) => attempt.alertId === alertId,
    );

  /** Resolves once `count` of this database's backends wait for a row lock. */
  async function lockWaiters(count: number) {
    for (let tries = 0; tries < 500; tries++) {
      const [row] = await t.sql<{ waiting: number }[]>`
        select count(*)::int as waiting from pg_stat_activity
         where datname = current_database() and wait_event_type = 'Lock'`;
      if ((row?.waiting ?? 0) >= count) return;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    throw new Error(`expected ${count} backends waiting for a lock`);
  }

  test('the push still reaches the phone: queued again for the subscription it was merged into', async () => {
    // A push failed earlier on the old endpoint (not gone): its row is what the merge's delete must update (the
    // reference is set null), so holding it pauses the merge after it moved the queued attempts, before its commit.
    const old = await subscribe('phone-before-change');
    const earlier = await raiseSos();
    const [earlierPush] = await claimPushes(earlier.alertId);
    if (!earlierPush) throw new Error('the earlier push was not claimed');
    await recordAttemptOutcome(t.sql, {
      attemptId: earlierPush.id,
      nodeId: 'test-node',
      outcome: { kind: 'failed', providerStatus: 400, detail: 'HTTP 400' },
    });

    const sos = await raiseSos();
    const [inFlight] = await claimPushes(sos.alertId);
    if (!inFlight) throw new Error('the SOS push was not claimed');
    // The browser registered its new endpoint as a subscription of its own before the change event reached us.
    const owner = await subscribe('phone-after-change');

    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let held = () => {};
    const holding = new Promise<void>((resolve) => {
      held = resolve;
    });
    const blocker = t.sql.begin(async (tx) => {
      await tx`select id from delivery_channel_attempts where id = ${earlierPush.id} for update`;
      held();
      await released;
    });
    await holding;

    const merge = moveSubscription(t.db, {
      oldEndpoint: endpointOf('phone-before-change'),
      oldAuth: 'auth',
      fresh: { endpoint: endpointOf('phone-after-change'), p256dh: 'key-2', auth: 'auth-2', userAgent: null },
    });
    await lockWaiters(1);
    // The old endpoint's push service answers 410 for the push on its way: recorded while the merge holds it.
    const outcome = recordAttemptOutcome(t.sql, {
      attemptId: inFlight.id,
      nodeId: 'test-node',
      outcome: { kind: 'gone', providerStatus: 410, detail: 'HTTP 410', endpoint: endpointOf('phone-before-change') },
    });
    await lockWaiters(2);
    release();
    await blocker;
    expect((await merge).outcome).toBe('moved');
    expect((await outcome).followUpError).toBeNull();

    expect(await t.sql`select id from push_subscriptions where id = ${old}`).toEqual([]);
    const due = await t.sql<{ subscriptionId: string }[]>`
      select subscription_id as "subscriptionId" from delivery_channel_attempts
       where delivery_id = ${inFlight.deliveryId} and channel = 'push' and state = 'queued' and due_at <= now()`;
    expect(due).toEqual([{ subscriptionId: owner }]);
    const [again] = await claimPushes(sos.alertId);
    expect(again?.push).toMatchObject({ subscriptionId: owner, endpoint: endpointOf('phone-after-change') });
    const [marked] = await t.sql`select gone_at from push_subscriptions where id = ${owner}`;
    expect(marked?.gone_at).toBeNull();
  });
});
