import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import webPush from 'web-push';
import { signActionToken } from '../../core/notify/action-token';
import { escalateDueAlerts } from '../../db/alerts/escalate';
import { resolveAlert } from '../../db/alerts/resolve';
import { type ApiHarness, startApiHarness } from '../../infra/testing/api-harness';
import { TEST_JWT_SECRET } from '../../infra/testing/functions';
import { type PushService, startPushService, type TestSubscription } from '../../infra/testing/push-service';
import { type RealtimeNode, startRealtimeNode } from '../node';
import { injectSosAlert, stopInjectionServers, TestDashboard, testRealtimeConfig, tokenFor } from '../testing';
import type { PushMessage } from './push-message';

const vapid = webPush.generateVAPIDKeys();

describe('push channel, end to end: hub SOS → push service → service worker receipt → lock-screen acknowledgement', () => {
  let h: ApiHarness;
  let push: PushService;
  let node: RealtimeNode;
  let residentIndex = 0;

  beforeAll(async () => {
    h = await startApiHarness({ VAPID_PUBLIC_KEY: vapid.publicKey, OUTBOUND_ALLOW_PRIVATE: 'true' });
    push = await startPushService({ applicationServerKey: vapid.publicKey });
    node = await startRealtimeNode(
      testRealtimeConfig(h.database.url, {
        VAPID_PUBLIC_KEY: vapid.publicKey,
        VAPID_PRIVATE_KEY: vapid.privateKey,
        VAPID_SUBJECT: 'mailto:ops@carewatch.test',
        OUTBOUND_ALLOW_PRIVATE: 'true',
        NODE_ENV: 'test',
        PUBLIC_URL: h.baseUrl,
        CHANNEL_TIMEOUT_MS: '1000',
        CHANNEL_LEASE_SECONDS: '5',
        CHANNEL_MAX_TRIES: '3',
        // Woken by the NOTIFY of the transaction that queued an attempt, or this suite's pushes wait a minute.
        CHANNEL_POLL_MS: '60000',
        // The first step's person stays the only one told while a test runs.
        REALTIME_ESCALATION_MS: '60000',
      }),
    );
  });
  afterEach(() => push.setFaults({}));
  afterAll(async () => {
    await node?.stop();
    await push?.close();
    await stopInjectionServers();
    await h?.stop();
  });

  /**
   * A resident with no open alert, their first-step carer (a caregiver) with nothing waiting for them either (a new
   * device gets the pushes of alerts still waiting for its owner), and a new device of theirs.
   */
  async function residentWithSubscribedCarer(): Promise<{
    residentId: string;
    carer: { staffId: string; token: string };
    device: TestSubscription;
    subscriptionId: string;
  }> {
    const { residents, orgId } = h.orgs.own;
    const resident = residents[residentIndex++ % residents.length];
    if (!resident) throw new Error('no residents');
    const admin = h.loginOf('own', 'admin');
    const [row] = await h.database.sql<{ staffId: string }[]>`
      select staff_id as "staffId" from assignments where resident_id = ${resident.id} and escalation_order = 1`;
    const staffId = row?.staffId ?? '';
    const open = await h.database.sql<{ id: string }[]>`
      select id from alerts
       where status <> 'resolved'
         and (resident_id = ${resident.id} or id in (select alert_id from alert_deliveries where staff_id = ${staffId}))`;
    for (const { id } of open) {
      await resolveAlert(h.database.sql, {
        alertId: id,
        identity: { staffId: admin.staffId, orgId, role: 'admin' },
        note: 'cleared between tests',
        nodeId: 'test',
      });
    }
    await h.database.sql`delete from push_subscriptions where staff_id = ${staffId}`;
    const token = await tokenFor({ staffId, orgId: h.orgs.own.orgId, role: 'caregiver' });
    const device = push.subscribe();
    const created = await h.request<{ id: string }>('POST', '/v1/me/push-subscriptions', {
      token,
      body: { ...device.subscription, userAgent: 'Test phone' },
    });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    return { residentId: resident.id, carer: { staffId, token }, device, subscriptionId: created.body.id };
  }

  const sos = (residentId: string) =>
    injectSosAlert({ databaseUrl: h.database.url, org: h.orgs.own, residentId, functionsUrl: h.baseUrl });

  async function pushFor(device: TestSubscription, alertId: string): Promise<PushMessage> {
    const message = await push.waitFor(
      (m) => m.subscriptionId === device.id && (JSON.parse(m.text ?? '{}') as PushMessage).alertId === alertId,
      10_000,
    );
    return JSON.parse(message.text ?? '') as PushMessage;
  }

  async function attemptRow(alertId: string) {
    const [row] = await h.database.sql<{ id: string; state: string; tries: number; provider_status: number | null }[]>`
      select id, state, tries, provider_status from delivery_channel_attempts where alert_id = ${alertId}`;
    return row;
  }

  test('the push is encrypted for the device, urgent, one topic per alert, in the person’s language; its receipt and its Acknowledge button work once', async () => {
    const { residentId, carer, device } = await residentWithSubscribedCarer();
    const alert = await sos(residentId);
    const message = await pushFor(device, alert.alertId);
    const received = push.messages.find((m) => m.subscriptionId === device.id);
    expect(received).toMatchObject({
      urgency: 'high',
      topic: alert.alertId.replaceAll('-', ''),
      ttl: 3600,
      vapid: { sub: 'mailto:ops@carewatch.test', publicKey: vapid.publicKey },
    });
    const resident = h.orgs.own.residents.find((r) => r.id === residentId);
    expect(message).toMatchObject({
      v: 1,
      type: 'alert',
      alertId: alert.alertId,
      kind: 'sos',
      severity: 'critical',
      status: 'open',
      lang: 'ko',
      resident: { name: resident?.name },
      receiptUrl: `${h.baseUrl}/v1/push/receipts`,
      ackUrl: `${h.baseUrl}/v1/push/acks`,
    });
    expect(message.text.title).toBe('[긴급] 응급 호출 버튼');
    expect(message.text.body).toContain(`${resident?.name} 어르신`);
    await expect.poll(async () => (await attemptRow(alert.alertId))?.state).toBe('sent');

    const receipt = await h.request('POST', '/v1/push/receipts', { body: { token: message.token } });
    expect(receipt.status).toBe(204);
    expect((await attemptRow(alert.alertId))?.state).toBe('delivered');
    const [delivery] = await h.database.sql`
      select state from alert_deliveries where alert_id = ${alert.alertId} and staff_id = ${carer.staffId}`;
    expect(delivery?.state).toBe('delivered');

    const ack = await h.request<{ outcome: string }>('POST', '/v1/push/acks', { body: { token: message.token } });
    expect(ack.status).toBe(200);
    expect(ack.body).toEqual({ outcome: 'acknowledged', alertId: alert.alertId });
    const again = await h.request('POST', '/v1/push/acks', { body: { token: message.token } });
    expect(again.status).toBe(409);
    const [row] = await h.database.sql`
      select status, acknowledged_by from alerts where id = ${alert.alertId}`;
    expect(row).toEqual({ status: 'acknowledged', acknowledged_by: carer.staffId });
  });

  test('a dashboard gets its frame while the push service hangs; the push then fails after its bounded tries', async () => {
    const { residentId, carer, device } = await residentWithSubscribedCarer();
    push.setFaults({ hang: true }, device.id);
    const dashboard = await TestDashboard.connect(node.wsUrl, carer.token);
    try {
      const alert = await sos(residentId);
      await dashboard.next('alert', (frame) => frame.alert.id === alert.alertId);
      // The frame came while the push request was still waiting for its answer.
      expect((await attemptRow(alert.alertId))?.provider_status ?? null).toBeNull();
      await expect.poll(async () => (await attemptRow(alert.alertId))?.state, { timeout: 15_000 }).toBe('failed');
      expect(await attemptRow(alert.alertId)).toMatchObject({ tries: 3 });
    } finally {
      dashboard.socket.close();
    }
  });

  test('while a push hangs, the alert escalates on time and the next step is told', async () => {
    const { residentId, device } = await residentWithSubscribedCarer();
    push.setFaults({ hang: true }, device.id);
    const alert = await sos(residentId);
    await expect
      .poll(async () => push.attempts.filter((a) => a.subscriptionId === device.id).length)
      .toBeGreaterThan(0);
    // The step's wait runs out now; the sweep escalates though the push request holds its attempt.
    await h.database.sql`update alerts set next_escalation_at = now() where id = ${alert.alertId}`;
    const outcomes = await escalateDueAlerts(h.database.sql, 'test-sweep');
    expect(outcomes.find((o) => o.alertId === alert.alertId)).toMatchObject({ level: 1 });
    const [attempt] = await h.database.sql`
      select state, provider_status from delivery_channel_attempts
       where alert_id = ${alert.alertId} and subscription_id is not null
       order by created_at limit 1`;
    expect(attempt).toEqual({ state: 'queued', provider_status: null });
  });

  test('429 and 5xx are retried with backoff until the push service takes it', async () => {
    const { residentId, device } = await residentWithSubscribedCarer();
    push.setFaults({ answers: [500, { status: 429, headers: { 'Retry-After': '1' } }] }, device.id);
    const alert = await sos(residentId);
    await pushFor(device, alert.alertId);
    await expect.poll(async () => (await attemptRow(alert.alertId))?.state, { timeout: 10_000 }).toBe('sent');
    const attempt = await attemptRow(alert.alertId);
    expect(attempt).toMatchObject({ tries: 3, provider_status: 201 });
    const history = await h.database.sql`
      select from_state, to_state, provider_status from delivery_channel_attempt_history
       where attempt_id = ${attempt?.id ?? ''} order by id`;
    expect(history).toEqual([
      { from_state: null, to_state: 'queued', provider_status: null },
      { from_state: 'queued', to_state: 'queued', provider_status: 500 },
      { from_state: 'queued', to_state: 'queued', provider_status: 429 },
      { from_state: 'queued', to_state: 'sent', provider_status: 201 },
    ]);
  });

  test('a push service answering 410 marks the subscription gone and fails the attempt; the browser moving the subscription then gets the emergency on its new endpoint', async () => {
    const { residentId, carer, device, subscriptionId } = await residentWithSubscribedCarer();
    push.markGone(device.id);
    const alert = await sos(residentId);
    await expect.poll(async () => (await attemptRow(alert.alertId))?.state).toBe('failed');
    expect((await attemptRow(alert.alertId))?.provider_status).toBe(410);
    // Marked in a statement after the attempt's outcome: waited for, not read once.
    const goneAt = async () =>
      (
        await h.request<{ items: { id: string; goneAt: string | null }[] }>('GET', '/v1/me/push-subscriptions', {
          token: carer.token,
        })
      ).body.items.find((item) => item.id === subscriptionId)?.goneAt;
    await expect.poll(goneAt).toEqual(expect.any(String));

    // The browser's pushsubscriptionchange comes after the 410, while nobody has answered the SOS yet.
    const renewed = push.subscribe();
    const moved = await h.request('POST', '/v1/push/subscription-changes', {
      body: {
        oldEndpoint: device.subscription.endpoint,
        oldAuth: device.subscription.keys.auth,
        subscription: renewed.subscription,
      },
    });
    expect(moved.status).toBe(204);
    const message = await pushFor(renewed, alert.alertId);
    expect(message.alertId).toBe(alert.alertId);
    const attempts = () => h.database.sql<{ state: string; providerStatus: number | null }[]>`
      select state, provider_status as "providerStatus" from delivery_channel_attempts
       where alert_id = ${alert.alertId} order by created_at`;
    // The outcome is recorded shortly after the push service answers (outcomes share commits).
    await expect.poll(attempts).toEqual([
      { state: 'failed', providerStatus: 410 },
      { state: 'sent', providerStatus: 201 },
    ]);
    // Moved once more (another change): nothing is sent twice.
    const again = push.subscribe();
    await h.request('POST', '/v1/push/subscription-changes', {
      body: {
        oldEndpoint: renewed.subscription.endpoint,
        oldAuth: renewed.subscription.keys.auth,
        subscription: again.subscription,
      },
    });
    expect(
      await h.database.sql`select id from delivery_channel_attempts where alert_id = ${alert.alertId}`,
    ).toHaveLength(2);
  });

  test('tokens: forged or for another channel → 404, expired → 410, nothing changed', async () => {
    const forged = await signActionToken(
      'not-the-server-secret-but-long-enough-000',
      crypto.randomUUID(),
      new Date(Date.now() + 60_000),
    );
    expect((await h.request('POST', '/v1/push/acks', { body: { token: forged } })).status).toBe(404);
    expect((await h.request('POST', '/v1/push/receipts', { body: { token: 'garbage' } })).status).toBe(404);
    const unknown = await signActionToken(TEST_JWT_SECRET, crypto.randomUUID(), new Date(Date.now() + 60_000));
    expect((await h.request('POST', '/v1/push/acks', { body: { token: unknown } })).status).toBe(404);
    const expired = await signActionToken(TEST_JWT_SECRET, crypto.randomUUID(), new Date(Date.now() - 1000));
    const answer = await h.request<{ code: string }>('POST', '/v1/push/acks', { body: { token: expired } });
    expect(answer.status).toBe(410);
    expect(answer.headers.get('content-type')).toBe('application/problem+json');
  });
});
