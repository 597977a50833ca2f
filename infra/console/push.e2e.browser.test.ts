// The whole path to a phone, every part real: a hub's SOS through `POST /v1/ingest/events`, the realtime node's
// channel sender, a local RFC 8030 push service (VAPID checked, payload decrypted with the subscription's key), the
// console's service worker in Chromium behind nginx over HTTPS (the push delivered to it through DevTools, as the
// browser's push service would), its receipt and its Acknowledge button calling the real API, and the escalation
// that the acknowledgement stops.

import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import webPush from 'web-push';
import { issueAccessToken } from '../../core/auth/access-token';
import type { PushMessage } from '../../realtime/channels/push-message';
import { type SeededOrganisation, seedDemoOrganisation } from '../demo-organisation';
import { driveServiceWorker, launchChromium, signInConsole } from '../testing/browser';
import { TEST_JWT_SECRET } from '../testing/functions';
import { injectSosAlert, stopInjectionServers } from '../testing/inject';
import { type PushService, startPushService } from '../testing/push-service';
import { type EntryPointStack, startEntryPointStack } from '../testing/stack';

const vapid = webPush.generateVAPIDKeys();
/** The first step's wait: long enough for the push round trip, short enough to see escalation not happen. */
const FIRST_WAIT_SECONDS = 6;

describe('hub SOS → push → lock-screen Acknowledge → escalation stopped (Chromium, nginx, real services)', () => {
  let stack: EntryPointStack;
  let push: PushService;
  let browser: Browser;
  let seed: SeededOrganisation;

  beforeAll(async () => {
    push = await startPushService({ applicationServerKey: vapid.publicKey });
    stack = await startEntryPointStack({
      functions: { VAPID_PUBLIC_KEY: vapid.publicKey, OUTBOUND_ALLOW_PRIVATE: 'true' },
      realtime: {
        VAPID_PUBLIC_KEY: vapid.publicKey,
        VAPID_PRIVATE_KEY: vapid.privateKey,
        OUTBOUND_ALLOW_PRIVATE: 'true',
        NODE_ENV: 'test',
        REALTIME_ESCALATION_MS: '250',
      },
    });
    seed = await seedDemoOrganisation(stack.functions.database.db, { orgName: 'Phone Centre', slug: 'phone' });
    await stack.functions.database.sql`
      update escalation_policies set steps = jsonb_set(steps, '{0,waitSeconds}', ${String(FIRST_WAIT_SECONDS)}::jsonb)
       where org_id = ${seed.orgId} and severity = 'critical'`;
    browser = await launchChromium({ trustCertificate: stack.nginx.certificateFile });
  });
  afterAll(async () => {
    await stopInjectionServers();
    await browser?.close();
    await stack?.stop();
    await push?.close();
  });

  /**
   * The `offset`-th first-step carer (by resident), their phone subscribed on the local push service (headless
   * Chromium cannot subscribe at a real one) and the SOS that reaches it, and a page of the console on that phone.
   */
  async function carersPhone(offset: number) {
    const [row] = await stack.functions.database.sql<{ staffId: string; residentId: string }[]>`
      select staff_id as "staffId", resident_id as "residentId" from assignments
       where org_id = ${seed.orgId} and escalation_order = 1 order by resident_id offset ${offset} limit 1`;
    if (!row) throw new Error(`seed has no assignment ${offset}`);
    const { token } = await issueAccessToken(
      { staffId: row.staffId, orgId: seed.orgId, role: 'caregiver' },
      TEST_JWT_SECRET,
    );
    const device = push.subscribe();
    const subscribed = await fetch(`${stack.functions.server.url}/v1/me/push-subscriptions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ ...device.subscription, userAgent: 'Phone under test' }),
    });
    expect(subscribed.status).toBe(201);

    const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'ko-KR', timezoneId: 'Asia/Seoul' });
    const origin = stack.nginx.httpsUrl;
    await context.grantPermissions(['notifications'], { origin });
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    const worker = await driveServiceWorker(page);
    const raiseSos = () =>
      injectSosAlert({
        databaseUrl: stack.functions.database.url,
        org: seed,
        residentId: row.residentId,
        functionsUrl: stack.functions.server.url,
      });
    return { staffId: row.staffId, device, context, worker, raiseSos };
  }

  test('the caregiver’s phone shows the alert, confirms it, and its Acknowledge button acknowledges it', async () => {
    const { sql } = stack.functions.database;
    const { staffId, device, context, worker, raiseSos } = await carersPhone(0);
    const alert = await raiseSos();
    const received = await push.waitFor(
      (m) => m.subscriptionId === device.id && (JSON.parse(m.text ?? '{}') as PushMessage).alertId === alert.alertId,
      10_000,
    );
    const message = JSON.parse(received.text ?? '') as PushMessage;
    await worker.push(message);
    const [shown] = await worker.notifications(`alert:${alert.alertId}`);
    expect(shown).toMatchObject({
      title: '[긴급] 응급 호출 버튼',
      requireInteraction: true,
      actions: [
        { action: 'ack', title: '알림 확인' },
        { action: 'open', title: '열기' },
      ],
    });

    // The service worker's receipt reached the API through nginx: the push and the delivery are delivered.
    const attemptState = async () =>
      (await sql`select state from delivery_channel_attempts where id = ${message.attemptId}`)[0]?.state;
    await expect.poll(attemptState, { timeout: 10_000 }).toBe('delivered');
    const [delivery] = await sql`select state from alert_deliveries where id = ${message.deliveryId}`;
    expect(delivery?.state).toBe('delivered');

    expect(await worker.clickNotification(`alert:${alert.alertId}`, 'ack')).toEqual({ outcome: 'acknowledged' });
    const [acknowledged] = await sql<
      { status: string; acknowledged_by: string; escalation_level: number; opened_at: Date }[]
    >`
      select status, acknowledged_by, escalation_level, opened_at from alerts where id = ${alert.alertId}`;
    if (!acknowledged) throw new Error('alert gone');
    expect(acknowledged).toMatchObject({ status: 'acknowledged', acknowledged_by: staffId, escalation_level: 0 });

    // Past the first step's deadline: nobody else was told.
    const deadline = acknowledged.opened_at.getTime() + FIRST_WAIT_SECONDS * 1000;
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, deadline - Date.now()) + 1500));
    const [after] = await sql`
      select a.escalation_level, count(d.*)::int as deliveries from alerts a join alert_deliveries d on d.alert_id = a.id
       where a.id = ${alert.alertId} group by a.escalation_level`;
    expect(after).toEqual({ escalation_level: 0, deliveries: 1 });
    await context.close();
  });

  test('a push service replacing the phone’s subscription: the service worker moves it, and the next alert reaches the new one', async () => {
    const { device: before, context, worker, raiseSos } = await carersPhone(1);
    const after = push.subscribe();
    // Through nginx, with no session: the old subscription's secret is the credential.
    expect(await worker.changeSubscription(before.subscription, after.subscription)).toEqual({ outcome: 'moved' });
    expect(await worker.changeSubscription(before.subscription, after.subscription)).toEqual({
      outcome: 'refused 404',
    });

    const alert = await raiseSos();
    // The same carer may have the first test's phone too: this alert's push to the moved subscription is the one.
    const received = await push.waitFor(
      (m) => m.subscriptionId === after.id && (JSON.parse(m.text ?? '{}') as PushMessage).alertId === alert.alertId,
      10_000,
    );
    expect(received.subscriptionId).toBe(after.id);
    expect(push.messages.filter((m) => m.subscriptionId === before.id)).toEqual([]);
    await context.close();
  });

  test('a caregiver sets their own rule in the console; the API has it and the console shows where each rule comes from', async () => {
    const login = seed.logins.find((entry) => entry.role === 'caregiver');
    if (!login) throw new Error('seed has no caregiver');
    const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'ko-KR' });
    await signInConsole(context, { staffId: login.staffId, orgId: seed.orgId, name: login.name, role: 'caregiver' });
    const page = await context.newPage();
    await page.goto(`${stack.nginx.httpsUrl}/`);
    await page.click('#push-settings');
    const critical = page.locator('form.rule-row[data-scope="me"][data-severity="critical"]');
    await expect.poll(() => critical.locator('strong').textContent()).toBe('긴급 · 기본값');
    // Only their own rules: a caregiver gets no organisation editor.
    expect(await page.locator('form.rule-row[data-scope="organisation"]').count()).toBe(0);
    await critical.locator('fieldset[data-channel="push"] input[name="delay"]').fill('15');
    await critical.locator('fieldset[data-channel="push"] input[name="unless"]').check();
    await critical.locator('button[type="submit"]').click();
    await expect.poll(() => page.locator('#rules-status').textContent()).toBe('저장했습니다.');
    const [rule] = await stack.functions.database.sql`
      select channels from notification_rules where staff_id = ${login.staffId} and severity = 'critical'`;
    expect(rule?.channels).toEqual([{ channel: 'push', delaySeconds: 15, unlessReceived: true }]);
    await expect
      .poll(() => page.locator('form.rule-row[data-scope="me"][data-severity="critical"] strong').textContent())
      .toBe('긴급 · 내 규칙');
    await context.close();
  });
});
