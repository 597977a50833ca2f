// Debian's headless Chromium (or `CHROMIUM_PATH`) driven by playwright-core, for the browser tests (console, /docs).
import { createHash, X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { issueAccessToken, type StaffRole } from '../../core/auth/access-token';
import { TEST_JWT_SECRET } from './functions';

export const SCREENSHOT_DIR = 'test-results/screenshots';

export interface ChromiumOptions {
  /**
   * A PEM certificate the browser trusts as if a CA had signed it (nginx's dev certificate): pinned by its public
   * key, so only that certificate is accepted. A context's `ignoreHTTPSErrors` is not enough for a service worker:
   * Chromium refuses to register one whose script came over a certificate error.
   */
  trustCertificate?: string;
}

export function launchChromium(options: ChromiumOptions = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--autoplay-policy=no-user-gesture-required',
      ...(options.trustCertificate
        ? [`--ignore-certificate-errors-spki-list=${spkiHash(options.trustCertificate)}`]
        : []),
    ],
  });
}

/** base64 SHA-256 of the certificate's SubjectPublicKeyInfo, the form Chromium's SPKI list takes. */
function spkiHash(pemFile: string): string {
  const spki = new X509Certificate(readFileSync(pemFile)).publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/** Saves a full-page screenshot as a test artifact and returns its path. */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = `${SCREENSHOT_DIR}/${name}.png`;
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** Collects console errors and CSP violations, which a correct page has none of. */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(`pageerror: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(`console: ${message.text()}`);
  });
  return errors;
}

/** What `registration.getNotifications()` reports of a notification the service worker shows. */
export interface ShownNotification {
  title: string;
  body: string;
  tag: string;
  lang: string;
  icon: string;
  badge: string;
  timestamp: number;
  renotify: boolean;
  silent: boolean | null;
  requireInteraction: boolean;
  actions: { action: string; title: string }[];
  data: Record<string, unknown>;
}

/** The page's service worker, driven through DevTools: pushes delivered to it, the notifications it shows. */
export interface ServiceWorkerDriver {
  scope: string;
  registrationId: string;
  /**
   * A push message with this JSON payload, as the push service would deliver it (the worker's `push` event).
   * Resolves once the worker has handled it (sw.js tells loopback pages `test:push-handled` with the payload's
   * attemptId): Chromium's getNotifications() racing a showNotification() still in flight can miss it for good.
   */
  push(payload: { attemptId: string }): Promise<void>;
  notifications(tag?: string): Promise<ShownNotification[]>;
  /**
   * Runs the worker's notificationclick handler for the notification with this tag (action '' is a click on its
   * body). Chromium has no DevTools command to click a notification; sw.js has a loopback-only message hook that
   * calls the same handler. Resolves with what the handler reports.
   */
  clickNotification(tag: string, action: string): Promise<{ outcome?: string; error?: string }>;
  /**
   * Runs the worker's pushsubscriptionchange handler with these subscriptions (`PushSubscription.toJSON()` each), as
   * if the browser's push service had replaced the old one: DevTools cannot fire that event, so sw.js has a
   * loopback-only hook for it too. Resolves with what the handler reports.
   */
  changeSubscription(oldSubscription: unknown, newSubscription: unknown): Promise<{ outcome?: string; error?: string }>;
}

/**
 * Waits until the page's service worker is active and controls the page, then returns a driver for it. The
 * registration id comes from the ServiceWorker domain's events; `ServiceWorker.deliverPushMessage` needs it.
 */
export async function driveServiceWorker(page: Page): Promise<ServiceWorkerDriver> {
  const cdp = await page.context().newCDPSession(page);
  const registrations = new Map<string, { registrationId: string; isDeleted: boolean }>();
  cdp.on('ServiceWorker.workerRegistrationUpdated', ({ registrations: updated }) => {
    for (const registration of updated) registrations.set(registration.scopeURL, registration);
  });
  await cdp.send('ServiceWorker.enable');
  const scope = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      await new Promise((resolve) => navigator.serviceWorker.addEventListener('controllerchange', resolve));
    }
    const handled: string[] = [];
    Object.assign(window, { pushesHandled: handled });
    navigator.serviceWorker.addEventListener('message', (event) => {
      if (event.data?.type === 'test:push-handled') handled.push(event.data.attemptId);
    });
    return registration.scope;
  });
  let registration = registrations.get(scope);
  for (let waited = 0; (!registration || registration.isDeleted) && waited < 100; waited++) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    registration = registrations.get(scope);
  }
  if (!registration || registration.isDeleted) throw new Error(`no service worker registration for ${scope}`);
  const { registrationId } = registration;
  const origin = new URL(scope).origin;
  return {
    scope,
    registrationId,
    push: async (payload) => {
      await cdp.send('ServiceWorker.deliverPushMessage', { origin, registrationId, data: JSON.stringify(payload) });
      await page.waitForFunction(
        (attemptId) => (window as unknown as { pushesHandled: string[] }).pushesHandled.includes(attemptId),
        payload.attemptId,
        { timeout: 15_000, polling: 50 },
      );
    },
    notifications: (tag) =>
      page.evaluate(async (filter) => {
        const registration = await navigator.serviceWorker.ready;
        const shown = await registration.getNotifications(filter ? { tag: filter } : undefined);
        return shown.map((notification) => ({
          title: notification.title,
          body: notification.body,
          tag: notification.tag,
          lang: notification.lang,
          icon: notification.icon,
          badge: notification.badge,
          timestamp: (notification as Notification & { timestamp: number }).timestamp,
          renotify: (notification as Notification & { renotify: boolean }).renotify,
          silent: notification.silent,
          requireInteraction: notification.requireInteraction,
          actions: [
            ...((notification as Notification & { actions: { action: string; title: string }[] }).actions ?? []),
          ].map(({ action, title }) => ({ action, title })),
          data: notification.data,
        }));
      }, tag ?? null),
    clickNotification: (tag, action) => askWorker(page, { type: 'test:notification-action', tag, action }),
    changeSubscription: (oldSubscription, newSubscription) =>
      askWorker(page, { type: 'test:subscription-change', oldSubscription, newSubscription }),
  };
}

/** Sends one of sw.js's loopback test hooks a message and waits for its answer on a MessagePort. */
function askWorker(page: Page, message: Record<string, unknown>): Promise<{ outcome?: string; error?: string }> {
  return page.evaluate(async (message) => {
    const registration = await navigator.serviceWorker.ready;
    const channel = new MessageChannel();
    const answered = new Promise<{ outcome?: string; error?: string }>((resolve) => {
      channel.port1.onmessage = (event) => resolve(event.data);
    });
    registration.active?.postMessage(message, [channel.port2]);
    return answered;
  }, message);
}

/** A request a test answered in place of a server (see `answerRequests`). */
export interface AnsweredRequest {
  method: string;
  path: string;
  body: unknown;
  /** Sent by a service worker rather than a page. */
  fromServiceWorker: boolean;
}

export type Answer = { status: number; body?: unknown } | 'network-error';

/**
 * Answers a context's API requests from the test where `answer` returns one (the rest go to the real server), and
 * records each answered request. Playwright routes see service-worker requests too, so this also stands in for
 * endpoints a worker calls. For contracts the server does not serve yet, and for failures hard to cause for real.
 */
export async function answerRequests(
  context: BrowserContext,
  answer: (request: Omit<AnsweredRequest, 'fromServiceWorker'>) => Answer | undefined,
): Promise<AnsweredRequest[]> {
  const answered: AnsweredRequest[] = [];
  await context.route('**/v1/**', async (route) => {
    const request = route.request();
    const text = request.postData();
    const seen = {
      method: request.method(),
      path: new URL(request.url()).pathname,
      body: text ? parseJson(text) : null,
    };
    const reply = answer(seen);
    if (!reply) return route.fallback();
    answered.push({ ...seen, fromServiceWorker: request.serviceWorker() !== null });
    if (reply === 'network-error') return route.abort('connectionreset');
    await route.fulfill({
      status: reply.status,
      contentType: reply.status >= 400 ? 'application/problem+json' : 'application/json',
      body: reply.body === undefined ? '' : JSON.stringify(reply.body),
    });
  });
  return answered;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/**
 * Signs a staff member in the way the console's login form does (its session in sessionStorage, with a real access
 * token), for every page `target` opens from now on.
 */
export async function signInConsole(
  target: Pick<BrowserContext, 'addInitScript'>,
  staff: { staffId: string; orgId: string; name: string; role: StaffRole },
): Promise<void> {
  const { token, expiresAt } = await issueAccessToken(
    { staffId: staff.staffId, orgId: staff.orgId, role: staff.role },
    TEST_JWT_SECRET,
  );
  const session = {
    accessToken: token,
    refreshToken: 'not-used-in-this-test',
    expiresAt: expiresAt * 1000,
    staff: { id: staff.staffId, orgId: staff.orgId, name: staff.name, role: staff.role },
  };
  await target.addInitScript((value) => sessionStorage.setItem('carewatch.session', value), JSON.stringify(session));
}
