// The console as an installable app that reaches the person on their phone: manifest and icons, the service worker
// (sw.js) turning pushes into notifications with a receipt and an Acknowledge button, the phone-notification
// settings, and per alert who was told how. Real Chromium through real nginx over HTTPS; pushes are delivered to
// the worker through DevTools (ServiceWorker.deliverPushMessage), as a push service would deliver them.
//
// Here `answerRequests` answers the push endpoints (/v1/push/*, /v1/me/push-subscriptions, PATCH /v1/me,
// /v1/alerts/:id/attempts) inside the browser context (service-worker requests included), so the worker and the
// console meet every answer the API can give (a 503 before a retry, 409/410/404 tokens, a network that refuses) and
// what they sent is recorded. The same path against the real services is `push.e2e.browser.test.ts`.
import { randomUUID } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type SeededOrganisation, seedDemoOrganisation } from '../demo-organisation';
import {
  type Answer,
  answerRequests,
  collectPageErrors,
  driveServiceWorker,
  launchChromium,
  screenshot,
  signInConsole,
} from '../testing/browser';
import { injectSosAlert, stopInjectionServers } from '../testing/inject';
import { type EntryPointStack, startEntryPointStack } from '../testing/stack';

/** A VAPID public key (P-256 point, base64url), the shape GET /v1/push/config answers. */
const PUBLIC_KEY = 'BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA_0QTpQtUbVlUls0VJXg7A8u-Ts1XbjhazAkj7I99e8QcYP7DkM';
const PHONE = 'Mozilla/5.0 (Linux; Android 14; SM-S921N) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile';
const OFFICE = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari';

describe('the console as an installable app with phone notifications (Chromium, nginx, HTTPS)', () => {
  let stack: EntryPointStack;
  let browser: Browser;
  let seed: SeededOrganisation;
  let caregiver: { staffId: string; name: string; orgId: string };
  let origin: string;

  beforeAll(async () => {
    stack = await startEntryPointStack();
    origin = stack.nginx.httpsUrl;
    seed = await seedDemoOrganisation(stack.functions.database.db, { orgName: 'PWA Centre', slug: 'pwa' });
    const login = seed.logins.find((entry) => entry.role === 'caregiver');
    if (!login) throw new Error('seed has no caregiver');
    caregiver = { staffId: login.staffId, name: login.name, orgId: seed.orgId };
    // No escalation during a test: the alerts here change only through what the test does.
    await stack.functions.database.sql`
      update escalation_policies set steps = jsonb_set(steps, '{0,waitSeconds}', '3600') where org_id = ${seed.orgId}`;
    browser = await launchChromium({ trustCertificate: stack.nginx.certificateFile });
  });
  afterAll(async () => {
    await stopInjectionServers();
    await browser?.close();
    await stack?.stop();
  });

  /** A context in Seoul time with notifications allowed for the console, as after the person said yes. */
  const newContext = async (viewport = { width: 1280, height: 860 }): Promise<BrowserContext> => {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      viewport,
      timezoneId: 'Asia/Seoul',
      locale: 'ko-KR',
    });
    await context.grantPermissions(['notifications'], { origin });
    return context;
  };

  /** The caregiver's signed-in console (the session the login form would store), live on the WebSocket. */
  const signedIn = async (context: BrowserContext, path = '/'): Promise<Page> => {
    await signInConsole(context, { ...caregiver, role: 'caregiver' });
    const page = await context.newPage();
    await page.goto(`${origin}${path}`);
    await expect.poll(() => page.locator('#connection').getAttribute('data-state'), { timeout: 15_000 }).toBe('live');
    return page;
  };

  /** An SOS from the hub of the caregiver's `index`-th resident, through ingest: a real alert on their board. */
  const raiseSos = async (index: number) => {
    const { sql, url } = stack.functions.database;
    const [row] = await sql<{ residentId: string }[]>`
      select resident_id as "residentId" from assignments
       where staff_id = ${caregiver.staffId} and escalation_order = 1 order by resident_id offset ${index} limit 1`;
    if (!row) throw new Error(`the caregiver has no resident ${index}`);
    return (await injectSosAlert({ databaseUrl: url, org: seed, residentId: row.residentId })).alertId;
  };

  /** A push payload per the contract (v1), Korean, critical and open, with a one-time token. */
  const payload = (alertId: string, overrides: Record<string, unknown> = {}) => ({
    v: 1,
    type: 'alert',
    alertId,
    deliveryId: randomUUID(),
    attemptId: randomUUID(),
    kind: 'sos',
    severity: 'critical',
    status: 'open',
    openedAt: '2026-05-04T05:02:03.000Z',
    lang: 'ko',
    text: { title: '긴급: 비상 버튼', body: '김영자 어르신 · 비상 버튼이 눌렸습니다' },
    resident: { name: '김영자' },
    token: `token-${randomUUID()}`,
    receiptUrl: '/v1/push/receipts',
    ackUrl: '/v1/push/acks',
    openUrl: `/?alert=${alertId}`,
    ...overrides,
  });

  test('installable: the manifest is linked and valid, its icons load at their stated sizes, the service worker controls the console', async () => {
    const context = await newContext();
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${origin}/`);
    const worker = await driveServiceWorker(page);
    expect(worker.scope).toBe(`${origin}/`);
    expect(await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL)).toBe(`${origin}/sw.js`);

    const cdp = await context.newCDPSession(page);
    const manifest = (await cdp.send('Page.getAppManifest')) as {
      url: string;
      errors: { message: string }[];
      data?: string;
    };
    expect(manifest.url).toBe(`${origin}/manifest.webmanifest`);
    expect(manifest.errors).toEqual([]);
    const parsed = JSON.parse(manifest.data ?? '{}');
    expect(parsed).toMatchObject({
      name: 'CareWatch 관제 콘솔',
      short_name: 'CareWatch',
      start_url: './',
      scope: './',
      display: 'standalone',
      theme_color: '#0b5cad',
      background_color: '#f3f4f6',
    });
    // The colours are the console's own: the top bar's brand blue, the page background.
    const colours = await page.evaluate(() => ({
      topbar: getComputedStyle(document.querySelector('.topbar') as Element).backgroundColor,
      page: getComputedStyle(document.documentElement).backgroundColor,
      meta: document.querySelector('meta[name="theme-color"]')?.getAttribute('content'),
    }));
    expect(colours).toEqual({ topbar: 'rgb(11, 92, 173)', page: 'rgb(243, 244, 246)', meta: '#0b5cad' });
    const installability = (await cdp.send('Page.getInstallabilityErrors')) as {
      installabilityErrors: { errorId: string }[];
    };
    // Playwright's contexts are off-the-record profiles, which Chrome never installs from: that is the one error.
    expect(installability.installabilityErrors.map((error) => error.errorId)).toEqual(['in-incognito']);

    // Every icon the manifest and the page name loads, at the size it claims.
    const icons: { src: string; sizes: string; purpose?: string }[] = parsed.icons;
    expect(icons.map((icon) => `${icon.sizes} ${icon.purpose ?? 'any'}`)).toEqual([
      '192x192 any',
      '512x512 any',
      '512x512 maskable',
    ]);
    const appleTouch = await page.getAttribute('link[rel="apple-touch-icon"]', 'href');
    const wanted = [...icons, { src: appleTouch ?? '', sizes: '180x180' }];
    const loaded = await page.evaluate(
      (list) =>
        Promise.all(
          list.map(async ({ src }) => {
            const image = new Image();
            image.src = new URL(src, location.href).href;
            await image.decode();
            return `${image.naturalWidth}x${image.naturalHeight}`;
          }),
        ),
      wanted,
    );
    expect(loaded).toEqual(wanted.map((icon) => icon.sizes));
    expect(errors).toEqual([]);
    await context.close();
  });

  test('a pushed alert becomes a notification with the payload’s text, tag and actions; the worker posts its receipt, retrying once', async () => {
    const context = await newContext();
    let receipts = 0;
    const answered = await answerRequests(context, ({ method, path }) => {
      if (method !== 'POST' || path !== '/v1/push/receipts') return undefined;
      // The first receipt fails with a 503: the worker sends it once more.
      return ++receipts === 1 ? { status: 503, body: { status: 503 } } : { status: 204 };
    });
    const page = await context.newPage();
    const errors = collectPageErrors(page);
    await page.goto(`${origin}/`);
    const worker = await driveServiceWorker(page);

    const alertId = randomUUID();
    const critical = payload(alertId);
    await worker.push(critical);
    expect(await worker.notifications(`alert:${alertId}`)).toHaveLength(1);
    const [shown] = await worker.notifications(`alert:${alertId}`);
    expect(shown).toMatchObject({
      title: '긴급: 비상 버튼',
      body: '김영자 어르신 · 비상 버튼이 눌렸습니다',
      tag: `alert:${alertId}`,
      lang: 'ko',
      renotify: true,
      requireInteraction: true,
      timestamp: Date.parse(critical.openedAt),
      icon: `${origin}/icons/icon-192.png`,
      badge: `${origin}/icons/badge-96.png`,
      actions: [
        { action: 'ack', title: '알림 확인' },
        { action: 'open', title: '열기' },
      ],
      data: critical,
    });
    expect(answered).toHaveLength(2);
    for (const receipt of answered) {
      expect(receipt).toEqual({
        method: 'POST',
        path: '/v1/push/receipts',
        body: { token: critical.token },
        fromServiceWorker: true,
      });
    }

    // English, already acknowledged, no token, an absolute receipt URL: no Acknowledge button, not sticky, no
    // receipt (nothing to confirm without a token).
    const quiet = payload(randomUUID(), {
      lang: 'en',
      severity: 'high',
      status: 'acknowledged',
      token: null,
      receiptUrl: `${origin}/v1/push/receipts`,
      text: { title: 'High: no activity', body: 'Kim Young-ja · no activity for 12 h' },
    });
    await worker.push(quiet);
    expect(await worker.notifications(`alert:${quiet.alertId}`)).toHaveLength(1);
    expect((await worker.notifications(`alert:${quiet.alertId}`))[0]).toMatchObject({
      title: 'High: no activity',
      lang: 'en',
      requireInteraction: false,
      actions: [{ action: 'open', title: 'Open' }],
    });
    expect(answered).toHaveLength(2);

    // A receipt the network refuses twice never costs the notification.
    const unreachable = payload(randomUUID(), { receiptUrl: '/v1/push/receipts-unreachable' });
    await context.route('**/v1/push/receipts-unreachable', (route) => route.abort('connectionrefused'));
    await worker.push(unreachable);
    expect(await worker.notifications(`alert:${unreachable.alertId}`)).toHaveLength(1);

    // Acknowledged elsewhere: the same tag is replaced by a quiet notification without actions.
    await worker.push(
      payload(alertId, {
        type: 'alert.closed',
        status: 'acknowledged',
        token: null,
        text: { title: '다른 직원이 응답함', body: '박서연 님이 김영자 어르신 알림에 응답했습니다' },
      }),
    );
    expect((await worker.notifications(`alert:${alertId}`))[0]).toMatchObject({
      title: '다른 직원이 응답함',
      actions: [],
      requireInteraction: false,
      renotify: false,
      silent: true,
    });
    expect(await worker.notifications(`alert:${alertId}`)).toHaveLength(1);
    expect(errors).toEqual([]);
    await context.close();
  });

  test('Acknowledge on the notification posts the token and says how it went: acknowledged, already, stale, not sent', async () => {
    const context = await newContext();
    const ackAnswers = new Map<string, Answer[]>();
    const answered = await answerRequests(context, ({ method, path, body }) => {
      if (method === 'POST' && path === '/v1/push/receipts') return { status: 204 };
      if (method !== 'POST' || path !== '/v1/push/acks') return undefined;
      return ackAnswers.get((body as { token: string }).token)?.shift() ?? { status: 404 };
    });
    const page = await context.newPage();
    await page.goto(`${origin}/`);
    const worker = await driveServiceWorker(page);
    const acks = () => answered.filter((request) => request.path === '/v1/push/acks');

    const pushed = async (answers: Answer[], overrides: Record<string, unknown> = {}) => {
      const alertId = randomUUID();
      const sent = payload(alertId, overrides);
      ackAnswers.set(sent.token as string, answers);
      await worker.push(sent);
      expect(await worker.notifications(`alert:${alertId}`)).toHaveLength(1);
      return sent;
    };

    const first = await pushed([{ status: 200, body: { outcome: 'acknowledged', alertId: 'x' } }]);
    expect(await worker.clickNotification(`alert:${first.alertId}`, 'ack')).toEqual({ outcome: 'acknowledged' });
    expect(acks().at(-1)).toEqual({
      method: 'POST',
      path: '/v1/push/acks',
      body: { token: first.token },
      fromServiceWorker: true,
    });
    const [confirmed] = await worker.notifications(`alert:${first.alertId}`);
    expect(confirmed).toMatchObject({
      title: '응답 완료',
      body: '김영자 알림에 응답했습니다.',
      actions: [],
      requireInteraction: false,
    });
    expect(confirmed?.data.token).toBeNull();

    const already = await pushed([{ status: 200, body: { outcome: 'already', alertId: 'x' } }], { lang: 'en' });
    expect(await worker.clickNotification(`alert:${already.alertId}`, 'ack')).toEqual({ outcome: 'already' });
    expect((await worker.notifications(`alert:${already.alertId}`))[0]).toMatchObject({
      title: 'Already acknowledged',
      body: 'The alert for 김영자 was already acknowledged.',
      actions: [],
    });

    for (const status of [409, 410, 404]) {
      const stale = await pushed([{ status, body: { status } }]);
      expect(await worker.clickNotification(`alert:${stale.alertId}`, 'ack')).toEqual({ outcome: 'stale' });
      expect((await worker.notifications(`alert:${stale.alertId}`))[0]).toMatchObject({
        title: '이미 처리된 알림',
        body: '이미 처리되었거나 만료된 알림입니다. 콘솔을 열어 확인하세요.',
        actions: [{ action: 'open', title: '열기' }],
      });
    }

    // The network fails twice (the ack and its one retry): the notification offers the button again, and the
    // second press goes through with the same token.
    const flaky = await pushed([
      'network-error',
      'network-error',
      { status: 200, body: { outcome: 'acknowledged', alertId: 'x' } },
    ]);
    const before = acks().length;
    expect(await worker.clickNotification(`alert:${flaky.alertId}`, 'ack')).toEqual({ outcome: 'failed' });
    expect(acks().length - before).toBe(2);
    expect((await worker.notifications(`alert:${flaky.alertId}`))[0]).toMatchObject({
      title: '응답을 보내지 못했습니다',
      requireInteraction: true,
      actions: [
        { action: 'ack', title: '알림 확인' },
        { action: 'open', title: '열기' },
      ],
    });
    expect(await worker.clickNotification(`alert:${flaky.alertId}`, 'ack')).toEqual({ outcome: 'acknowledged' });
    expect(acks().at(-1)?.body).toEqual({ token: flaky.token });
    await context.close();
  });

  test('opening a notification brings the open console to the alert; ?alert=<id> does the same for a new window', async () => {
    const context = await newContext();
    await answerRequests(context, ({ path }) => (path === '/v1/push/receipts' ? { status: 204 } : undefined));
    const page = await signedIn(context);
    const errors = collectPageErrors(page);
    const worker = await driveServiceWorker(page);
    const alertId = await raiseSos(0);
    const card = page.locator(`li.alert[data-alert-id="${alertId}"]`);
    await card.waitFor({ state: 'visible' });
    await page.locator('#resident-filter').focus();

    await worker.push(payload(alertId));
    expect(await worker.notifications(`alert:${alertId}`)).toHaveLength(1);
    expect(await worker.clickNotification(`alert:${alertId}`, '')).toEqual({ outcome: 'focused' });
    await expect.poll(() => page.evaluate(() => document.activeElement?.getAttribute('data-alert-id'))).toBe(alertId);
    expect(await worker.notifications(`alert:${alertId}`)).toEqual([]);

    // A window opened at openUrl: the card is brought into view once the alert is on the board, and the address
    // loses the parameter (a reload does not jump there again).
    const second = await context.newPage();
    await second.goto(`${origin}/?alert=${alertId}`);
    await expect
      .poll(() => second.evaluate(() => document.activeElement?.getAttribute('data-alert-id')), { timeout: 15_000 })
      .toBe(alertId);
    expect(second.url()).toBe(`${origin}/`);
    expect(errors).toEqual([]);
    await stack.functions.database
      .sql`update alerts set status = 'resolved', resolved_at = now() where id = ${alertId}`;
    await context.close();
  });

  test('phone notification settings: unavailable without a server key; the device list with remove; turning on asks for permission and subscribes', async () => {
    const context = await newContext({ width: 390, height: 844 });
    let publicKey: string | null = null;
    const devices = [
      {
        id: 'device-phone',
        endpoint: 'https://fcm.googleapis.com/fcm/send/phone',
        userAgent: PHONE,
        language: 'ko',
        createdAt: '2026-05-01T01:00:00.000Z',
        lastSuccessAt: '2026-05-04T05:02:04.000Z',
      },
      {
        id: 'device-office',
        endpoint: 'https://fcm.googleapis.com/fcm/send/office',
        userAgent: OFFICE,
        language: 'ko',
        createdAt: '2026-05-02T01:00:00.000Z',
        lastSuccessAt: null,
      },
      {
        // The phone's earlier subscription, which its push service has since called gone (404/410).
        id: 'device-phone-old',
        endpoint: 'https://fcm.googleapis.com/fcm/send/phone-old',
        userAgent: PHONE,
        language: 'ko',
        createdAt: '2026-04-20T01:00:00.000Z',
        lastSuccessAt: '2026-05-02T23:00:00.000Z',
        goneAt: '2026-05-03T00:00:00.000Z',
      },
    ];
    const answered = await answerRequests(context, ({ method, path }): Answer | undefined => {
      if (path === '/v1/push/config') return { status: 200, body: { publicKey } };
      if (path === '/v1/me/push-subscriptions' && method === 'GET') return { status: 200, body: { items: devices } };
      if (path.startsWith('/v1/me/push-subscriptions/') && method === 'DELETE') return { status: 204 };
      if (path === '/v1/me' && method === 'PATCH') return { status: 200, body: {} };
      if (path === '/v1/auth/logout' && method === 'POST') return { status: 204 };
      return undefined;
    });
    const page = await signedIn(context);
    const errors = collectPageErrors(page);
    const state = page.locator('#push-state');

    await page.click('#push-settings');
    expect(await page.getAttribute('#push-settings', 'aria-expanded')).toBe('true');
    await expect.poll(() => state.getAttribute('data-state')).toBe('unavailable');
    expect(await state.textContent()).toBe('서버에 휴대폰 알림이 아직 설정되지 않았습니다.');
    expect(await page.locator('#push-toggle').isHidden()).toBe(true);

    publicKey = PUBLIC_KEY;
    await page.click('#push-close');
    await page.click('#push-settings');
    await expect.poll(() => state.getAttribute('data-state')).toBe('off');
    expect(await state.textContent()).toBe('이 기기에서는 꺼져 있습니다.');
    const names = page.locator('#push-devices .push-device-name');
    expect(await names.allTextContents()).toEqual(['Chrome · Android', 'Chrome · Windows', 'Chrome · Android']);
    expect(await page.locator('#push-devices .push-device-meta').first().textContent()).toBe(
      '2026. 5. 1. 등록 · 최근 전송 2026. 5. 4. 오후 2:02:04',
    );
    const gone = page.locator('li[data-device-id="device-phone-old"]');
    expect(await gone.getAttribute('class')).toContain('push-device-gone');
    expect(await gone.locator('.push-device-meta').textContent()).toBe(
      '2026. 4. 20. 등록 · 2026. 5. 3. 오전 9:00:00부터 알림을 받지 못함 (이 기기에서 알림을 다시 켜세요)',
    );
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await screenshot(page, 'console-push-settings-mobile');

    await page.click('li[data-device-id="device-office"] .push-device-remove');
    await expect.poll(() => names.allTextContents()).toEqual(['Chrome · Android', 'Chrome · Android']);
    expect(answered.filter((request) => request.method === 'DELETE').map((request) => request.path)).toEqual([
      '/v1/me/push-subscriptions/device-office',
    ]);

    // Turning on: permission (granted to this context), the server key, then pushManager.subscribe. Headless
    // Chromium in a Playwright context (an off-the-record profile) refuses every push subscription ("Registration
    // failed - permission denied"); a browser that can subscribe posts the subscription instead.
    const configsBefore = answered.filter((request) => request.path === '/v1/push/config').length;
    await page.click('#push-toggle');
    await expect.poll(() => state.getAttribute('data-state')).toMatch(/^(on|error)$/);
    expect(answered.filter((request) => request.path === '/v1/push/config').length).toBe(configsBefore + 1);
    const posted = answered.filter(
      (request) => request.method === 'POST' && request.path === '/v1/me/push-subscriptions',
    );
    if ((await state.getAttribute('data-state')) === 'error') {
      expect(await state.textContent()).toContain('Registration failed');
      expect(posted).toEqual([]);
      expect(await page.locator('#push-toggle').textContent()).toBe('이 기기에서 켜기');
    } else {
      expect(posted[0]?.body).toMatchObject({ keys: { p256dh: expect.any(String), auth: expect.any(String) } });
    }

    // The language follows the person to the server, which writes their notifications.
    await page.click('#language');
    await expect
      .poll(() => answered.filter((request) => request.method === 'PATCH').map((request) => request.body))
      .toEqual([{ language: 'en' }]);
    expect(await page.locator('#push-title').textContent()).toBe('Phone notifications');
    expect(await page.locator('#push-devices .push-device-remove').first().textContent()).toBe('Remove');
    // Signing out ends this device's subscription, and the sign-out names it so the server removes it too.
    await page.click('#logout');
    await expect.poll(() => answered.filter((request) => request.path === '/v1/auth/logout')).toHaveLength(1);
    const signOut = answered.find((request) => request.path === '/v1/auth/logout');
    const subscribedEndpoint = (posted[0]?.body as { endpoint?: string } | undefined)?.endpoint;
    expect(signOut?.body).toEqual({
      refreshToken: 'not-used-in-this-test',
      ...(subscribedEndpoint ? { pushEndpoint: subscribedEndpoint } : {}),
    });
    expect(await page.locator('#login-view').isVisible()).toBe(true);
    expect(
      await page.evaluate(async () => (await navigator.serviceWorker.ready).pushManager.getSubscription()),
    ).toBeNull();
    // Chromium's own console message about push in an off-the-record profile is the only one.
    expect(errors.filter((error) => !error.includes('does not support the Push API in incognito'))).toEqual([]);
    await context.close();
  });

  test('signing out on a subscribed phone names its endpoint to the server and ends the browser subscription', async () => {
    const context = await newContext({ width: 390, height: 844 });
    // Headless Chromium cannot hold a push subscription (see above), so this page's browser is given one: the
    // subscription object a phone's browser would return, whose unsubscribe the test can see.
    await context.addInitScript(() => {
      const endpoint = 'https://fcm.googleapis.com/fcm/send/this-phone';
      PushManager.prototype.getSubscription = async () =>
        ({
          endpoint,
          unsubscribe: async () => {
            (window as unknown as { unsubscribed: boolean }).unsubscribed = true;
            return true;
          },
        }) as unknown as PushSubscription;
    });
    const answered = await answerRequests(context, ({ method, path }): Answer | undefined =>
      path === '/v1/auth/logout' && method === 'POST' ? { status: 204 } : undefined,
    );
    const page = await signedIn(context);
    await page.click('#logout');
    await expect
      .poll(() => answered.map((request) => request.body))
      .toEqual([
        { refreshToken: 'not-used-in-this-test', pushEndpoint: 'https://fcm.googleapis.com/fcm/send/this-phone' },
      ]);
    expect(await page.evaluate(() => (window as unknown as { unsubscribed?: boolean }).unsubscribed)).toBe(true);
    expect(await page.locator('#login-view').isVisible()).toBe(true);
    await context.close();
  });

  test('who was told, how: each person and channel attempt under the alert, reloaded when the alert changes', async () => {
    const context = await newContext({ width: 390, height: 844 });
    const page = await signedIn(context);
    const errors = collectPageErrors(page);
    const alertId = await raiseSos(1);
    const delivery = (acknowledgedAt: string | null) => ({
      alertId,
      deliveries: [
        {
          deliveryId: randomUUID(),
          staffId: caregiver.staffId,
          staffName: caregiver.name,
          state: acknowledgedAt ? 'acknowledged' : 'delivered',
          escalationLevel: 0,
          retrigger: 0,
          createdAt: '2026-05-04T05:02:01.000Z',
          acknowledgedAt,
          attempts: [
            attempt('dashboard', 'delivered', '2026-05-04T05:02:02.000Z'),
            attempt('push', 'delivered', '2026-05-04T05:02:03.000Z'),
          ],
        },
        {
          deliveryId: randomUUID(),
          staffId: randomUUID(),
          staffName: '박서연',
          state: 'sent',
          escalationLevel: 1,
          retrigger: 0,
          createdAt: '2026-05-04T05:07:01.000Z',
          acknowledgedAt: null,
          attempts: [
            { ...attempt('push', 'failed', '2026-05-04T05:07:02.000Z'), providerStatus: 410, detail: 'Gone' },
            { ...attempt('webhook', 'queued', '2026-05-04T05:07:02.000Z'), dueAt: '2026-05-04T05:08:00.000Z' },
            attempt('dashboard', 'cancelled', '2026-05-04T05:07:03.000Z'),
          ],
        },
      ],
    });
    let current = delivery(null);
    const answered = await answerRequests(context, ({ method, path }) => {
      if (method === 'PATCH' && path === '/v1/me') return { status: 200, body: {} };
      return method === 'GET' && path === `/v1/alerts/${alertId}/attempts` ? { status: 200, body: current } : undefined;
    });
    const attemptLoads = () => answered.filter((request) => request.path.endsWith('/attempts')).length;
    const card = page.locator(`li.alert[data-alert-id="${alertId}"]`);
    await card.waitFor({ state: 'visible' });
    expect(attemptLoads()).toBe(0);

    await card.locator('.attempts summary').click();
    const people = card.locator('.attempt-person');
    await expect.poll(() => people.count()).toBe(2);
    expect(await people.nth(0).locator('.attempt-name').textContent()).toBe(caregiver.name);
    expect(await people.nth(0).locator('.attempt-summary').textContent()).toBe('수신됨 · 미응답');
    expect(await people.nth(0).locator('.attempt').allTextContents()).toEqual([
      '대시보드 수신됨 14:02:02',
      '휴대폰 알림 수신됨 14:02:03',
    ]);
    expect(await people.nth(1).locator('.attempt-summary').textContent()).toBe('전송됨 · 1단계 · 미응답');
    expect(await people.nth(1).locator('.attempt').allTextContents()).toEqual([
      '휴대폰 알림 실패 14:07:02 (410 Gone)',
      '연동(웹훅) 대기 14:07:02 (14:08:00 예정)',
      '대시보드 취소됨 14:07:03',
    ]);
    await screenshot(page, 'console-alert-attempts-mobile');

    // The caregiver acknowledges on the card: the node's alert.updated reloads the open list.
    current = delivery('2026-05-04T05:02:09.000Z');
    await card.locator('.ack').click();
    await expect.poll(() => card.getAttribute('data-status')).toBe('acknowledged');
    await expect.poll(() => people.nth(0).locator('.attempt-summary').textContent()).toBe('응답함 · 14:02:09 응답');
    expect(attemptLoads()).toBeGreaterThanOrEqual(2);

    await page.click('#language');
    expect(await people.nth(1).locator('.attempt').allTextContents()).toEqual([
      'Push failed 14:07:02 (410 Gone)',
      'Webhook queued 14:07:02 (due 14:08:00)',
      'Dashboard cancelled 14:07:03',
    ]);
    expect(await card.locator('.attempts summary').textContent()).toBe('Who was told, how');
    expect(errors).toEqual([]);
    await stack.functions.database
      .sql`update alerts set status = 'resolved', resolved_at = now() where id = ${alertId}`;
    await context.close();
  });
});

function attempt(channel: string, state: string, updatedAt: string) {
  return {
    id: randomUUID(),
    channel,
    state,
    target: null,
    dueAt: null,
    updatedAt,
    providerStatus: null,
    detail: null,
  };
}
