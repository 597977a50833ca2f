// The console's service worker: an alert pushed to this device becomes a notification (Acknowledge / Open on it),
// the server hears that it arrived (receipt) and, from Acknowledge, that a person answered — with the console closed.
// Push payload (JSON, v1): {type: 'alert' | 'alert.closed', alertId, severity, status, openedAt, lang, text: {title,
// body}, resident: {name}, token, receiptUrl, ackUrl, openUrl}; title and body come localised from the server.
//
// No fetch handler, so no cache: every request goes to the network as it would without a service worker. Alerts
// and their states must be live; a cached answer could show an alert as open after a colleague took it.

const LABELS = {
  ko: {
    acknowledge: '알림 확인',
    open: '열기',
    acknowledgedTitle: '응답 완료',
    acknowledgedBody: '{resident} 알림에 응답했습니다.',
    alreadyTitle: '이미 응답된 알림',
    alreadyBody: '{resident} 알림은 이미 응답되었습니다.',
    staleTitle: '이미 처리된 알림',
    staleBody: '이미 처리되었거나 만료된 알림입니다. 콘솔을 열어 확인하세요.',
    failedTitle: '응답을 보내지 못했습니다',
    failedBody: '연결을 확인하고 다시 누르거나 콘솔에서 응답하세요.',
    genericTitle: 'CareWatch 알림',
    genericBody: '새 알림이 있습니다. 콘솔을 열어 확인하세요.',
  },
  en: {
    acknowledge: 'Acknowledge',
    open: 'Open',
    acknowledgedTitle: 'Acknowledged',
    acknowledgedBody: 'You acknowledged the alert for {resident}.',
    alreadyTitle: 'Already acknowledged',
    alreadyBody: 'The alert for {resident} was already acknowledged.',
    staleTitle: 'Already handled',
    staleBody: 'This alert was already handled or its link expired. Open the console to check.',
    failedTitle: 'Acknowledgement not sent',
    failedBody: 'Check the connection and press again, or answer in the console.',
    genericTitle: 'CareWatch alert',
    genericBody: 'There is a new alert. Open the console to check.',
  },
};
/** Wait before the one retry of a receipt or an acknowledgement that failed on the network or with a 5xx/429. */
const RETRY_DELAY_MS = 1_000;
/** Answers of POST ackUrl meaning "this token no longer acknowledges anything": unknown, used, expired. */
const STALE_ACK_STATUSES = [404, 409, 410];
const ICON = 'icons/icon-192.png';
const BADGE = 'icons/badge-96.png';

self.addEventListener('install', (event) => event.waitUntil(self.skipWaiting()));
self.addEventListener('activate', (event) => event.waitUntil(self.clients.claim()));

self.addEventListener('push', (event) => event.waitUntil(onPush(event.data)));

self.addEventListener('notificationclick', (event) => {
  event.waitUntil(handleNotificationClick(event.notification, event.action));
});

self.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil(onSubscriptionChange(event.oldSubscription ?? null, event.newSubscription ?? null));
});

/**
 * Shows the notification, then posts the receipt: the receipt says the alert is on the device's screen, not only
 * that a push arrived. A receipt that fails (after its one retry) costs nothing but the receipt.
 */
async function onPush(data) {
  const payload = parsePayload(data);
  try {
    if (!payload) return await showGeneric();
    await showAlert(payload);
    await postReceipt(payload).catch(() => {});
  } finally {
    if (ON_LOOPBACK) await tellTestPages({ type: 'test:push-handled', attemptId: payload?.attemptId ?? null });
  }
}

function parsePayload(data) {
  try {
    const payload = data?.json();
    return payload && typeof payload === 'object' && typeof payload.alertId === 'string' ? payload : null;
  } catch {
    return null;
  }
}

/**
 * `alert`: a new or changed alert, loud while open. `alert.closed` (acknowledged or resolved elsewhere): the same
 * tag is replaced by a quiet notification with the server's text and no actions — closing it instead would leave
 * the person wondering where the alert went, and Chrome expects every push to show something (userVisibleOnly).
 */
function showAlert(payload) {
  const labels = labelsFor(payload.lang);
  const open = payload.type !== 'alert.closed' && payload.status === 'open';
  const actions = [];
  if (open && payload.token) actions.push({ action: 'ack', title: labels.acknowledge });
  if (payload.type !== 'alert.closed') actions.push({ action: 'open', title: labels.open });
  return show(payload.text?.title || labels.genericTitle, {
    body: payload.text?.body ?? '',
    tag: tagFor(payload),
    renotify: open,
    silent: !open,
    // A critical alert stays on screen until someone acts on it; once answered it may go like any other.
    requireInteraction: open && payload.severity === 'critical',
    ...(open ? { vibrate: payload.severity === 'critical' ? [600, 200, 600, 200, 600] : [300, 150, 300] } : {}),
    timestamp: Date.parse(payload.openedAt) || Date.now(),
    lang: payload.lang,
    data: payload,
    actions,
  });
}

function showGeneric() {
  const labels = labelsFor(self.navigator.language?.startsWith('ko') ? 'ko' : 'en');
  return show(labels.genericTitle, { body: labels.genericBody, tag: 'alert:unknown', data: {} });
}

function show(title, options) {
  const icon = new URL(ICON, self.registration.scope).href;
  const badge = new URL(BADGE, self.registration.scope).href;
  return self.registration.showNotification(title, { dir: 'auto', icon, badge, ...options });
}

async function postReceipt(payload) {
  if (!payload.token || !payload.receiptUrl) return;
  await postWithRetry(payload.receiptUrl, { token: payload.token });
}

/**
 * The notification's click handler, for its body (action '') and its buttons: `ack` acknowledges through the
 * one-time token; anything else brings the console to the alert. Returns what happened (the test hook reports it).
 */
async function handleNotificationClick(notification, action) {
  const payload = notification.data ?? {};
  if (action === 'ack' && payload.token) return acknowledge(payload);
  notification.close();
  return openConsole(payload);
}

/**
 * POST ackUrl {token}, retried once on the network or a 5xx; the notification (same tag) then says how it went:
 * acknowledged, already acknowledged, no longer valid (open the console), or not sent (press again).
 */
async function acknowledge(payload) {
  let outcome = 'failed';
  try {
    const response = await postWithRetry(payload.ackUrl, { token: payload.token });
    if (response.ok) {
      const answer = await response.json().catch(() => ({}));
      outcome = answer.outcome === 'already' ? 'already' : 'acknowledged';
    } else if (STALE_ACK_STATUSES.includes(response.status)) {
      outcome = 'stale';
    }
  } catch {
    // The network failed twice: 'failed' offers the button again.
  }
  await showOutcome(payload, outcome);
  return outcome;
}

function showOutcome(payload, outcome) {
  const labels = labelsFor(payload.lang);
  const resident = payload.resident?.name || payload.text?.title || '';
  const fill = (template) => template.replace('{resident}', resident);
  const base = { tag: tagFor(payload), silent: true, renotify: false, lang: payload.lang };
  if (outcome === 'failed') {
    return show(labels.failedTitle, {
      ...base,
      body: fill(labels.failedBody),
      requireInteraction: payload.severity === 'critical',
      data: payload,
      actions: [
        { action: 'ack', title: labels.acknowledge },
        { action: 'open', title: labels.open },
      ],
    });
  }
  // The token is spent (or dead): the notification's data no longer carries it, so nothing can try it again.
  const data = { ...payload, token: null, status: outcome === 'stale' ? payload.status : 'acknowledged' };
  if (outcome === 'stale') {
    return show(labels.staleTitle, {
      ...base,
      body: labels.staleBody,
      data,
      actions: [{ action: 'open', title: labels.open }],
    });
  }
  const title = outcome === 'already' ? labels.alreadyTitle : labels.acknowledgedTitle;
  const body = fill(outcome === 'already' ? labels.alreadyBody : labels.acknowledgedBody);
  return show(title, { ...base, body, data, actions: [] });
}

/**
 * Brings a console window to the alert: an open one is told which alert (it scrolls to it) and focused; otherwise
 * a new window opens at openUrl. The console lives at this worker's scope (sw.js sits in its root).
 */
async function openConsole(payload) {
  const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const consoleWindows = windows.filter(isConsoleWindow);
  const target = consoleWindows.find((client) => client.focused) ?? consoleWindows[0];
  if (target) {
    target.postMessage({ type: 'carewatch:open-alert', alertId: payload.alertId ?? null });
    try {
      await target.focus();
    } catch {
      // focus() needs the click's user activation; without it (the test hook) the message alone is delivered.
    }
    return 'focused';
  }
  await self.clients.openWindow(consoleUrl(payload));
  return 'opened';
}

function isConsoleWindow(client) {
  const scope = new URL(self.registration.scope);
  const url = new URL(client.url);
  return (
    url.origin === scope.origin && (url.pathname === scope.pathname || url.pathname === `${scope.pathname}index.html`)
  );
}

/** The payload's openUrl when it is on this origin (relative ones resolve against the scope), else scope?alert=id. */
function consoleUrl(payload) {
  const scope = new URL(self.registration.scope);
  if (typeof payload.openUrl === 'string') {
    const url = new URL(payload.openUrl, scope);
    if (url.origin === scope.origin) return url.href;
  }
  if (payload.alertId) scope.searchParams.set('alert', payload.alertId);
  return scope.href;
}

/**
 * The push service replaced or ended this device's subscription (Firefox rotates them; any may expire one). Left
 * alone, the device would stop getting alerts without anyone knowing until the console is opened again. The old
 * subscription's endpoint and auth secret (only this browser and the server know it) prove it was this device's: the
 * server moves it, with the pushes queued for it, to the new subscription — the browser's, or one made here with
 * the same application server key. Without the old one there is nothing to prove; the console registers the device
 * again when it is next opened. Returns what happened (the test hook reports it).
 */
async function onSubscriptionChange(oldSubscription, newSubscription) {
  if (!oldSubscription) return 'no-old-subscription';
  const old = oldSubscription.toJSON();
  const fresh = (newSubscription ?? (await resubscribe(oldSubscription))).toJSON();
  const response = await postWithRetry(await apiUrl('/v1/push/subscription-changes'), {
    oldEndpoint: old.endpoint,
    oldAuth: old.keys?.auth ?? '',
    // The fields the API takes, whatever else a browser's toJSON() may carry.
    subscription: { endpoint: fresh.endpoint, expirationTime: fresh.expirationTime ?? null, keys: fresh.keys },
  });
  return response.ok ? 'moved' : `refused ${response.status}`;
}

async function resubscribe(oldSubscription) {
  let applicationServerKey = oldSubscription.options?.applicationServerKey;
  if (!applicationServerKey) {
    const response = await fetch(await apiUrl('/v1/push/config'));
    applicationServerKey = (await response.json()).publicKey;
  }
  return self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey });
}

/** An API path's URL, found as the console finds it (assets/config.js): config.json's apiBase, else this origin. */
async function apiUrl(path) {
  let apiBase = '';
  try {
    const response = await fetch(new URL('config.json', self.registration.scope), { cache: 'no-store' });
    const config = response.ok ? await response.json() : {};
    if (typeof config.apiBase === 'string') apiBase = config.apiBase;
  } catch {
    // No config: same origin.
  }
  return new URL(`${apiBase}${path}`, self.registration.scope).href;
}

/** POSTs JSON; one retry after RETRY_DELAY_MS when the network failed or the answer was a 5xx or 429. */
async function postWithRetry(url, body) {
  const target = new URL(url, self.registration.scope).href;
  const send = () =>
    fetch(target, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  try {
    const response = await send();
    if (response.status < 500 && response.status !== 429) return response;
  } catch {
    // Retried below.
  }
  await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS));
  return send();
}

function tagFor(payload) {
  return `alert:${payload.alertId}`;
}

function labelsFor(lang) {
  return LABELS[lang] ?? LABELS.ko;
}

// Test hooks, on a loopback origin only (elsewhere nothing is sent and the message is ignored).
// 1. Chromium has no DevTools command to click a notification, so a page may ask this worker to run the click
//    handler above for a notification it shows: {type: 'test:notification-action', tag, action} with a MessagePort
//    for the answer. It grants nothing new: a page of this origin can already read every notification's data
//    (getNotifications) and POST its token.
// 2. Nor can DevTools fire pushsubscriptionchange: {type: 'test:subscription-change', oldSubscription,
//    newSubscription} (each `PushSubscription.toJSON()`) runs its handler with them. It grants nothing new either: the
//    server checks the old subscription's secret, which any page of this origin could read from pushManager anyway.
// 3. After each push, pages hear {type: 'test:push-handled', attemptId}. Chromium's getNotifications() called while
//    a showNotification() is still in flight can miss that notification for good, so tests wait for this first.
const ON_LOOPBACK = ['localhost', '127.0.0.1', '[::1]'].includes(self.location.hostname);

async function tellTestPages(message) {
  for (const client of await self.clients.matchAll({ type: 'window', includeUncontrolled: true })) {
    client.postMessage(message);
  }
}

self.addEventListener('message', (event) => {
  const type = event.data?.type;
  if (!ON_LOOPBACK || typeof type !== 'string' || !Object.hasOwn(TEST_HOOKS, type)) return;
  const run = TEST_HOOKS[type];
  const reply = event.ports[0];
  event.waitUntil(
    run(event.data).then(
      (answer) => reply?.postMessage(answer),
      (error) => reply?.postMessage({ error: String(error) }),
    ),
  );
});

const TEST_HOOKS = {
  'test:notification-action': runTestAction,
  'test:subscription-change': runTestSubscriptionChange,
};

async function runTestAction({ tag, action }) {
  const [notification] = await self.registration.getNotifications({ tag });
  if (!notification) return { error: `no notification tagged ${tag}` };
  return { outcome: await handleNotificationClick(notification, action ?? '') };
}

async function runTestSubscriptionChange({ oldSubscription, newSubscription }) {
  const asSubscription = (json) => json && { ...json, options: {}, toJSON: () => json };
  return { outcome: await onSubscriptionChange(asSubscription(oldSubscription), asSubscription(newSubscription)) };
}
