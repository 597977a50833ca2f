import { afterAll, afterEach, beforeAll, describe, expect, test, vi } from 'vitest';
import { type SeededOrganisation, seedDemoOrganisation } from '../../../infra/demo-organisation';
import type { AlertSeverity } from '../../schema/alerts';
import type { ChannelAttemptState } from '../../schema/notifications';
import { createTestDatabase, type TestDatabase } from '../../testing/database';
import { acknowledgeDelivery } from '../acknowledge';
import { CHANNEL_ATTEMPTS_CHANNEL } from '../channel';
import { markDeliveredMany } from '../outstanding';
import { raiseAlert } from '../raise-alert';
import { resolveAlert } from '../resolve';
import { channelAttemptMayMove } from '../state-machine';
import { recordAttemptOutcome } from './attempt-outcome';
import { findAttempt, recordAttemptReceived } from './attempt-reports';
import { type ClaimedAttempt, claimDueAttempts } from './claim-attempts';
import { purgeGoneSubscriptions } from './gone-subscriptions';

describe('channel attempts: created with the delivery by the rules, claimed once, cancelled by an acknowledgement', () => {
  let t: TestDatabase;
  let org: SeededOrganisation;
  let alertNumber = 0;
  let carer = '';

  beforeAll(async () => {
    t = await createTestDatabase();
    org = await seedDemoOrganisation(t.db, { orgName: 'Channels Centre', slug: 'channels' });
    const [primary] = await t.sql<{ staffId: string }[]>`
      select staff_id as "staffId" from assignments where resident_id = ${org.residents[0]?.id ?? ''}
         and escalation_order = 1`;
    carer = primary?.staffId ?? '';
  });
  afterAll(async () => {
    // Every change the tests above made to any attempt is one the state machine allows.
    const moves = await t.sql<{ from_state: ChannelAttemptState | null; to_state: ChannelAttemptState }[]>`
      select distinct from_state, to_state from delivery_channel_attempt_history`;
    expect(moves.length).toBeGreaterThan(4);
    for (const move of moves) {
      expect(channelAttemptMayMove(move.from_state, move.to_state), `${move.from_state} → ${move.to_state}`).toBe(true);
    }
    await t.drop();
  });
  afterEach(async () => {
    await t.sql`delete from notification_rules where org_id = ${org.orgId}`;
    await t.sql`delete from webhook_endpoints where org_id = ${org.orgId}`;
    await t.sql`delete from push_subscriptions where org_id = ${org.orgId}`;
  });

  /**
   * A new alert (its own dedup key) on the first resident, whose first ladder step is one caregiver: `carer`.
   * Returns the alert and that caregiver's delivery.
   */
  async function raise(severity: AlertSeverity = 'critical', kind: 'sos' | 'low_battery' = 'sos') {
    const residentId = org.residents[0]?.id ?? '';
    const raised = await t.sql.begin((tx) =>
      raiseAlert(tx, {
        orgId: org.orgId,
        residentId,
        kind,
        severity,
        dedupKey: `${residentId}:${kind}:${alertNumber++}`,
        title: 'test alert',
      }),
    );
    const delivery = raised.deliveries.find((d) => d.staffId === carer);
    if (!delivery) throw new Error('expected a delivery to the carer');
    return { alertId: raised.alertId, delivery };
  }

  async function subscribe(staffId: string, device: string) {
    const [row] = await t.sql<{ id: string }[]>`
      insert into push_subscriptions (org_id, staff_id, endpoint, p256dh, auth)
      values (${org.orgId}, ${staffId}, ${`https://push.example/${device}`}, 'key', 'auth') returning id`;
    return row?.id ?? '';
  }

  async function attemptsOf(alertId: string) {
    return t.sql<{ id: string; channel: string; state: string; delay: number; subscription_id: string | null }[]>`
      select a.id, a.channel, a.state, a.subscription_id,
             extract(epoch from a.due_at - d.pending_at)::float8 as delay
        from delivery_channel_attempts a join alert_deliveries d on d.id = a.delivery_id
       where a.alert_id = ${alertId} order by a.channel, a.subscription_id`;
  }

  async function historyOf(attemptId: string) {
    return t.sql<{ from_state: string | null; to_state: string }[]>`
      select from_state, to_state from delivery_channel_attempt_history where attempt_id = ${attemptId} order by id`;
  }

  const claim = (at?: Date) =>
    claimDueAttempts(t.sql, { nodeId: 'test-node', leaseSeconds: 30, limit: 100, channels: ['push', 'webhook'], at });

  test('by default a critical alert queues one push per device of the person told, due at once', async () => {
    const before = await raise();
    expect(await attemptsOf(before.alertId)).toEqual([]);
    await subscribe(carer, 'phone-a');
    await subscribe(carer, 'tablet-a');
    const after = await raise();
    const attempts = await attemptsOf(after.alertId);
    expect(attempts).toHaveLength(2);
    for (const attempt of attempts) {
      expect(attempt).toMatchObject({ channel: 'push', state: 'queued', delay: 0 });
      expect(await historyOf(attempt.id)).toEqual([{ from_state: null, to_state: 'queued' }]);
    }
  });

  test('a transaction that queued attempts wakes the senders once; an alert for the dashboard alone does not', async () => {
    const wakes: string[] = [];
    const listening = await t.sql.listen(CHANNEL_ATTEMPTS_CHANNEL, (payload) => wakes.push(payload));
    try {
      // Another notification on a connection of its own, sent after each raise: once it arrives, so has any wake-up
      // the raise's commit sent (PostgreSQL delivers notifications in commit order).
      const marker = async (label: string) => {
        await t.sql`select pg_notify(${CHANNEL_ATTEMPTS_CHANNEL}, ${label})`;
        await vi.waitUntil(() => wakes.includes(label), { timeout: 5_000 });
      };
      await raise();
      await marker('after the dashboard-only alert');
      await subscribe(carer, 'phone-wake');
      await subscribe(carer, 'tablet-wake');
      const woken = await raise();
      expect(await attemptsOf(woken.alertId)).toHaveLength(2);
      await marker('after the alert with two pushes');
      expect(wakes).toEqual(['after the dashboard-only alert', '', 'after the alert with two pushes']);
    } finally {
      await listening.unlisten();
    }
  });

  test('organisation rules and per-staff overrides pick channels and delays; a low alert stays on the dashboard', async () => {
    await subscribe(carer, 'phone-rules');
    // A low alert (a battery to change) reaches more people, none of them by push.
    const low = await raise('low', 'low_battery');
    expect(await attemptsOf(low.alertId)).toEqual([]);
    const [endpoint] = await t.sql<{ id: string }[]>`
      insert into webhook_endpoints (org_id, name, url) values (${org.orgId}, 'SMS gateway', 'https://sms.example/hook')
      returning id`;
    await t.sql`
      insert into notification_rules (org_id, severity, channels)
      values (${org.orgId}, 'high', ${JSON.stringify([
        { channel: 'push', delaySeconds: 0 },
        { channel: 'webhook', delaySeconds: 30, unlessReceived: true, endpointId: endpoint?.id },
      ])}::jsonb)`;
    const high = await raise('high');
    expect((await attemptsOf(high.alertId)).map((a) => [a.channel, a.delay])).toEqual([
      ['push', 0],
      ['webhook', 30],
    ]);

    // An override replaces the organisation's rule for that severity, for that person only.
    await t.sql`
      insert into notification_rules (org_id, staff_id, severity, channels)
      values (${org.orgId}, ${carer}, 'high', ${JSON.stringify([{ channel: 'push', delaySeconds: 5 }])}::jsonb)`;
    const overridden = await raise('high');
    expect((await attemptsOf(overridden.alertId)).map((a) => [a.channel, a.delay])).toEqual([['push', 5]]);
  });

  test('a rule row edited by hand into nonsense never stops the alert: what can be read is used, the rest defaults', async () => {
    await subscribe(carer, 'phone-malformed');
    for (const channels of [
      { not: 'an array' },
      [
        7,
        'push',
        { channel: 'push' },
        { channel: 'push', delaySeconds: 'soon', unlessReceived: 'yes' },
        { channel: 'push', delaySeconds: 1e300 },
        { channel: 'push', delaySeconds: -5 },
        { channel: 'webhook', delaySeconds: 0, endpointId: 'not-a-uuid' },
        { channel: 'sms', delaySeconds: 0 },
      ],
    ]) {
      await t.sql`delete from notification_rules where org_id = ${org.orgId}`;
      await t.sql`
        insert into notification_rules (org_id, staff_id, severity, channels)
        values (${org.orgId}, ${carer}, 'critical', ${JSON.stringify(channels)}::jsonb)`;
      const alert = await raise();
      const delays = (await attemptsOf(alert.alertId)).map((a) => [a.channel, a.delay]);
      if (!Array.isArray(channels)) expect(delays).toEqual([['push', 0]]);
      else {
        expect(delays.sort()).toEqual([
          ['push', 0],
          ['push', 0],
          ['push', 0],
          ['push', 86_400],
        ]);
      }
    }
  });

  test('a due attempt is claimed by exactly one of many concurrent claimers, and not before it is due', async () => {
    await subscribe(carer, 'phone-claim');
    await subscribe(carer, 'tablet-claim');
    const alert = await raise();
    const attempts = await attemptsOf(alert.alertId);
    expect(attempts).toHaveLength(2);
    await t.sql`update delivery_channel_attempts set due_at = now() + interval '10 seconds'
                 where alert_id = ${alert.alertId}`;
    const [row] = await t.sql<{ due: Date }[]>`
      select min(due_at) as due from delivery_channel_attempts where alert_id = ${alert.alertId}`;
    // Dates carry milliseconds, the column microseconds: the first millisecond at or after the due time.
    const due = new Date((row?.due ?? new Date()).getTime() + 1);
    const mine = (claimed: ClaimedAttempt[]) => claimed.filter((a) => a.alertId === alert.alertId);
    expect(mine(await claim(new Date(due.getTime() - 2)))).toEqual([]);
    const claims = await Promise.all(Array.from({ length: 8 }, () => claim(due)));
    expect(
      mine(claims.flat())
        .map((a) => a.id)
        .sort(),
    ).toEqual(attempts.map((a) => a.id).sort());
    // Leased: nobody claims them again until the lease runs out (a node killed mid-send).
    expect(mine(await claim(due))).toEqual([]);
    await t.sql`update delivery_channel_attempts set lease_until = now() - interval '1 second'
                 where alert_id = ${alert.alertId}`;
    expect(mine(await claim(due)).map((a) => a.tries)).toEqual([2, 2]);
  });

  test('outcomes: retried with a new due time, then failed; a gone subscription is kept unused, then purged', async () => {
    const subscriptionId = await subscribe(carer, 'phone-outcome');
    const alert = await raise();
    const [attempt] = (await claim()).filter((a) => a.alertId === alert.alertId);
    // Queued before the push service's 410 for the first: a second alert's push to the same device.
    const second = await raise();
    expect(attempt).toMatchObject({
      channel: 'push',
      tries: 1,
      alert: { severity: 'critical', kind: 'sos', status: 'open' },
      push: { subscriptionId, endpoint: 'https://push.example/phone-outcome' },
      webhook: null,
    });
    if (!attempt) return;
    await recordAttemptOutcome(t.sql, {
      attemptId: attempt.id,
      nodeId: 'n',
      outcome: { kind: 'retry', providerStatus: 503, detail: 'HTTP 503', retryInSeconds: 2 },
    });
    const [retried] = await t.sql`
      select state, lease_until, extract(epoch from due_at - now())::float8 as wait, provider_status
        from delivery_channel_attempts where id = ${attempt.id}`;
    expect(retried).toMatchObject({ state: 'queued', lease_until: null, provider_status: 503 });
    expect(retried?.wait).toBeGreaterThan(1);
    await recordAttemptOutcome(t.sql, {
      attemptId: attempt.id,
      nodeId: 'n',
      outcome: {
        kind: 'gone',
        providerStatus: 410,
        detail: 'HTTP 410',
        endpoint: 'https://push.example/phone-outcome',
      },
    });
    expect(await historyOf(attempt.id)).toEqual([
      { from_state: null, to_state: 'queued' },
      { from_state: 'queued', to_state: 'queued' },
      { from_state: 'queued', to_state: 'failed' },
    ]);
    // Kept, marked gone: a late pushsubscriptionchange can still move it (functions/routes/push); nothing is sent.
    const [kept] = await t.sql`select gone_at is not null as gone from push_subscriptions where id = ${subscriptionId}`;
    expect(kept).toEqual({ gone: true });
    expect(await attemptsOf((await raise()).alertId)).toEqual([]);
    const queuedBefore = (await attemptsOf(second.alertId))[0];
    expect(queuedBefore).toMatchObject({ state: 'queued', subscription_id: subscriptionId });
    expect((await claim()).filter((a) => a.alertId === second.alertId)).toEqual([]);
    const [cancelled] = await t.sql`
      select state, detail from delivery_channel_attempts where id = ${queuedBefore?.id ?? ''}`;
    expect(cancelled).toEqual({ state: 'cancelled', detail: 'push subscription gone at its push service' });

    // Purged once gone for longer than the retention; never before.
    expect(await purgeGoneSubscriptions(t.sql, new Date(Date.now() - 60_000))).toBe(0);
    expect(await purgeGoneSubscriptions(t.sql, new Date(Date.now() + 60_000))).toBe(1);
    expect(await t.sql`select id from push_subscriptions where id = ${subscriptionId}`).toEqual([]);
    const [history] = await t.sql`select count(*)::int as rows from delivery_channel_attempt_history
                                   where attempt_id = ${attempt.id}`;
    expect(history).toEqual({ rows: 3 });
  });

  /** The push service answered 410 for the push that went to `endpoint`. */
  const goneAt = (attemptId: string, endpoint: string) =>
    recordAttemptOutcome(t.sql, {
      attemptId,
      nodeId: 'n',
      outcome: { kind: 'gone', providerStatus: 410, detail: 'HTTP 410', endpoint },
    });

  test('a push gone at an endpoint the subscription has since left is queued again for the new one, nothing marked gone', async () => {
    const subscriptionId = await subscribe(carer, 'phone-rotating');
    const alert = await raise();
    const [attempt] = (await claim()).filter((a) => a.alertId === alert.alertId);
    if (!attempt) throw new Error('attempt not claimed');
    // The push service rotated the subscription while this push was on its way (pushsubscriptionchange).
    await t.sql`update push_subscriptions set endpoint = 'https://push.example/phone-rotated' where id = ${subscriptionId}`;
    await goneAt(attempt.id, 'https://push.example/phone-rotating');
    const [row] = await t.sql`
      select state, lease_until, due_at <= now() as due from delivery_channel_attempts where id = ${attempt.id}`;
    expect(row).toEqual({ state: 'queued', lease_until: null, due: true });
    expect(await t.sql`select id from push_subscriptions where id = ${subscriptionId}`).toEqual([
      { id: subscriptionId },
    ]);
    const goneMark = async () => {
      const [row] = await t.sql`select gone_at from push_subscriptions where id = ${subscriptionId}`;
      if (!row) throw new Error('the subscription was deleted');
      return row.gone_at;
    };
    // A 410 for the endpoint it left says nothing about the new one: not marked gone.
    expect(await goneMark()).toBeNull();
    const [again] = (await claim()).filter((a) => a.id === attempt.id);
    expect(again).toMatchObject({ tries: 2, push: { subscriptionId, endpoint: 'https://push.example/phone-rotated' } });

    // Moved yet again, and again gone, past the resends allowed: failed, and the subscription still in use; the
    // delivery's push goes to the new endpoint as a new attempt, under the per-delivery limit of gone pushes.
    await t.sql`update delivery_channel_attempts set tries = 5 where id = ${attempt.id}`;
    await t.sql`update push_subscriptions set endpoint = 'https://push.example/phone-rotated-2' where id = ${subscriptionId}`;
    await goneAt(attempt.id, 'https://push.example/phone-rotated');
    const [last] = await t.sql`select state from delivery_channel_attempts where id = ${attempt.id}`;
    expect(last?.state).toBe('failed');
    expect(await goneMark()).toBeNull();
    expect(
      (await attemptsOf(alert.alertId))
        .filter((row) => row.channel === 'push')
        .map((row) => row.state)
        .sort(),
    ).toEqual(['failed', 'queued']);
    expect(await t.sql`select id from push_subscriptions where id = ${subscriptionId}`).toEqual([
      { id: subscriptionId },
    ]);
  });

  test('a sent attempt stays delivered when its receipt came first; a cancelled one stays cancelled', async () => {
    await subscribe(carer, 'phone-race');
    const alert = await raise();
    const [attempt] = (await claim()).filter((a) => a.alertId === alert.alertId);
    const found = attempt && (await findAttempt(t.sql, attempt.id));
    if (!found) throw new Error('attempt not claimed');
    await recordAttemptReceived(t.sql, found, { nodeId: 'api', detail: 'shown' });
    await recordAttemptOutcome(t.sql, {
      attemptId: found.id,
      nodeId: 'n',
      outcome: { kind: 'sent', providerStatus: 201 },
    });
    const [row] = await t.sql`
      select state, sent_at is not null as sent, provider_status from delivery_channel_attempts where id = ${found.id}`;
    expect(row).toEqual({ state: 'delivered', sent: true, provider_status: 201 });
  });

  test('an acknowledgement through a push spends its token once, marks it delivered, cancels the other queued attempts', async () => {
    await subscribe(carer, 'phone-ack');
    await subscribe(carer, 'tablet-ack');
    const alert = await raise();
    const [viaPhone, other] = await attemptsOf(alert.alertId);
    if (!viaPhone || !other) throw new Error('expected two attempts');
    const ack = () =>
      acknowledgeDelivery(t.sql, {
        deliveryId: alert.delivery.id,
        staffId: carer,
        orgId: org.orgId,
        nodeId: 'api',
        via: { attemptId: viaPhone.id, spendActionToken: true, detail: 'acknowledged from the notification' },
      });
    expect(await ack()).toEqual({ outcome: 'acknowledged', alertId: alert.alertId });
    expect(await ack()).toEqual({ outcome: 'token-spent', alertId: alert.alertId });
    const states = Object.fromEntries((await attemptsOf(alert.alertId)).map((a) => [a.id, a.state]));
    expect(states).toEqual({ [viaPhone.id]: 'delivered', [other.id]: 'cancelled' });
    expect(await historyOf(other.id)).toEqual([
      { from_state: null, to_state: 'queued' },
      { from_state: 'queued', to_state: 'cancelled' },
    ]);
    const [row] = await t.sql`select status, acknowledged_by from alerts where id = ${alert.alertId}`;
    expect(row).toEqual({ status: 'acknowledged', acknowledged_by: carer });
  });

  test('a receipt on a channel marks the delivery delivered; a resolve cancels what is still queued', async () => {
    await subscribe(carer, 'phone-resolve');
    await t.sql`
      insert into notification_rules (org_id, staff_id, severity, channels)
      values (${org.orgId}, ${carer}, 'critical', ${JSON.stringify([
        { channel: 'push', delaySeconds: 0 },
        { channel: 'push', delaySeconds: 60 },
      ])}::jsonb)`;
    const alert = await raise();
    const [now, later] = (await attemptsOf(alert.alertId)).sort((a, b) => a.delay - b.delay);
    const found = now && (await findAttempt(t.sql, now.id));
    if (!found || !later) throw new Error('expected two attempts');
    expect(await recordAttemptReceived(t.sql, found, { nodeId: 'api', detail: 'shown by the service worker' })).toBe(
      'delivered',
    );
    const [delivery] = await t.sql`select state from alert_deliveries where id = ${alert.delivery.id}`;
    expect(delivery?.state).toBe('delivered');
    await resolveAlert(t.sql, {
      alertId: alert.alertId,
      identity: { staffId: carer, orgId: org.orgId, role: 'caregiver' },
      nodeId: 'api',
      note: 'resolved in test',
    });
    const states = Object.fromEntries((await attemptsOf(alert.alertId)).map((a) => [a.id, a.state]));
    expect(states).toEqual({ [found.id]: 'delivered', [later.id]: 'cancelled' });
  });

  test('an attempt that waits "unless received" is cancelled when the dashboard confirmed first', async () => {
    await subscribe(carer, 'phone-unless');
    await t.sql`
      insert into notification_rules (org_id, staff_id, severity, channels)
      values (${org.orgId}, ${carer}, 'critical', ${JSON.stringify([
        { channel: 'push', delaySeconds: 0, unlessReceived: true },
      ])}::jsonb)`;
    const alert = await raise();
    await markDeliveredMany(t.sql, [{ deliveryId: alert.delivery.id, staffId: carer, orgId: org.orgId }], 'dashboard');
    expect((await claim()).filter((a) => a.alertId === alert.alertId)).toEqual([]);
    const attempts = await attemptsOf(alert.alertId);
    expect(attempts.map((a) => a.state)).toEqual(['cancelled']);
  });
});
