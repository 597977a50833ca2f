// Phone notifications (Web Push) for the signed-in person: whether this device gets alerts with the console closed,
// turning that on or off, and the person's devices that get them, each removable. sw.js shows what arrives.

import { ApiError, itemsOf } from './api.js';
import { formatDate, formatTime, t } from './i18n.js';
import { bindPanel } from './panel-toggle.js';

const SUBSCRIPTIONS = '/v1/me/push-subscriptions';
/** A push service that never answers (a network that blocks it) must not leave the control busy for good. */
const SUBSCRIBE_TIMEOUT_MS = 30_000;
const SIGN_OUT_WAIT_MS = 1_000;

export class PushSettings {
  /**
   * @param {{api: ReturnType<import('./api.js').createApi>,
   *          registration: Promise<ServiceWorkerRegistration | null>, language: () => string,
   *          elements: {button: HTMLButtonElement, panel: HTMLElement, title: HTMLElement, close: HTMLButtonElement,
   *                     state: HTMLElement, toggle: HTMLButtonElement, devices: HTMLUListElement,
   *                     empty: HTMLElement}}} options
   */
  constructor({ api, registration, language, elements }) {
    this.api = api;
    this.registration = registration;
    this.language = language;
    this.elements = elements;
    /** loading | busy | unsupported | unavailable | denied | off | on | error */
    this.state = 'loading';
    this.message = '';
    /** Whether this device's subscription is registered with the server, as last seen (decides the toggle). */
    this.subscribed = false;
    /** This browser's push endpoint, marking "this device" in the list. */
    this.endpoint = null;
    this.devices = [];
    this.panel = bindPanel(elements, () => this.refresh());
    elements.toggle.addEventListener('click', () => (this.subscribed ? this.disable() : this.enable()));
  }

  async refresh() {
    this.set('loading');
    try {
      this.set(await this.currentState());
    } catch (error) {
      this.fail(error);
    }
  }

  async currentState() {
    const registration = await this.registration;
    if (!registration?.pushManager || !('Notification' in window)) return 'unsupported';
    const { publicKey } = await this.config();
    if (!publicKey) return 'unavailable';
    const [devices, subscription] = await Promise.all([
      this.api.get(SUBSCRIPTIONS).then(itemsOf),
      registration.pushManager.getSubscription(),
    ]);
    this.devices = devices;
    this.endpoint = subscription?.endpoint ?? null;
    // A subscription the server does not list (removed from another device), or lists as gone (its push service
    // answered 404/410), is off: turning on subscribes again.
    this.subscribed =
      Boolean(subscription) && devices.some((device) => device.endpoint === subscription.endpoint && !device.goneAt);
    if (Notification.permission === 'denied') return 'denied';
    return this.subscribed ? 'on' : 'off';
  }

  /** The server's VAPID public key; null when push is not configured (or the server has no push routes yet). */
  async config() {
    try {
      return (await this.api.getPublic('/v1/push/config')) ?? { publicKey: null };
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return { publicKey: null };
      throw error;
    }
  }

  /** Permission (asked here, on the person's click), the server's key, a subscription, then the server learns it. */
  async enable() {
    this.set('busy');
    try {
      const permission = await Notification.requestPermission();
      if (permission !== 'granted') return this.set(permission === 'denied' ? 'denied' : 'off');
      const { publicKey } = await this.config();
      if (!publicKey) return this.set('unavailable');
      const registration = await this.registration;
      const key = base64UrlBytes(publicKey);
      let subscription = await registration.pushManager.getSubscription();
      // A subscription made for another server key cannot be reused (subscribe() would reject), nor one its push
      // service has called gone (posting it again would only bring another 410): replace it.
      const gone = this.devices.some((known) => known.endpoint === subscription?.endpoint && known.goneAt);
      if (subscription && (gone || !sameBytes(subscription.options?.applicationServerKey, key))) {
        await subscription.unsubscribe();
        subscription = null;
      }
      subscription ??= await withTimeout(
        registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key }),
        SUBSCRIBE_TIMEOUT_MS,
        () => new Error(t('pushTimeout')),
      );
      const { endpoint, expirationTime = null, keys } = subscription.toJSON();
      const device = await this.api.post(SUBSCRIPTIONS, {
        endpoint,
        expirationTime,
        keys,
        // The server keeps at most 300 characters of it (the device's name in lists).
        userAgent: navigator.userAgent.slice(0, 300),
      });
      this.endpoint = endpoint;
      this.subscribed = true;
      this.devices = [device, ...this.devices.filter((known) => known.id !== device?.id)];
      this.set('on');
    } catch (error) {
      this.fail(error);
    }
  }

  /** The server forgets this device first (so nothing is sent to a dead endpoint), then the browser unsubscribes. */
  async disable() {
    this.set('busy');
    try {
      const registration = await this.registration;
      const subscription = await registration?.pushManager.getSubscription();
      const device = this.devices.find((known) => known.endpoint === subscription?.endpoint);
      if (device) await this.forget(device);
      await subscription?.unsubscribe();
      this.endpoint = null;
      this.subscribed = false;
      this.set('off');
    } catch (error) {
      this.fail(error);
    }
  }

  /**
   * Signing out: this browser's subscription, if it has one, is ended here, and its endpoint returned for the sign-out
   * request, which removes it on the server. A shared or handed-over phone then gets no more of this person's alerts.
   * Waits at most a second for the service worker: signing out must not hang on it.
   */
  async endForSignOut() {
    const subscription = await withTimeout(
      this.registration.then((registration) => registration?.pushManager?.getSubscription() ?? null),
      SIGN_OUT_WAIT_MS,
      () => new Error('no service worker in time'),
    ).catch(() => null);
    this.endpoint = null;
    this.subscribed = false;
    this.devices = [];
    // Not awaited: a push service out of reach must not hold the sign-out (the server forgets the endpoint anyway).
    subscription?.unsubscribe().catch(() => {});
    return subscription?.endpoint ?? null;
  }

  /** A device from the list: this one turns off here too; another one only stops getting alerts. */
  async remove(device) {
    if (device.endpoint === this.endpoint) return this.disable();
    try {
      await this.forget(device);
      this.render();
    } catch (error) {
      this.fail(error);
    }
  }

  async forget(device) {
    try {
      await this.api.delete(`${SUBSCRIPTIONS}/${encodeURIComponent(device.id)}`);
    } catch (error) {
      if (!(error instanceof ApiError && error.status === 404)) throw error;
    }
    this.devices = this.devices.filter((known) => known.id !== device.id);
  }

  set(state) {
    this.state = state;
    this.render();
  }

  fail(error) {
    this.message = error instanceof Error ? error.message : String(error);
    this.set('error');
  }

  render() {
    const { state, toggle, devices, empty, button } = this.elements;
    state.dataset.state = this.state;
    state.textContent = this.state === 'error' ? t('push.error', { message: this.message }) : t(`push.${this.state}`);
    button.dataset.state = this.state;
    toggle.hidden = !['off', 'on', 'denied', 'error', 'busy'].includes(this.state);
    toggle.disabled = this.state === 'busy';
    toggle.textContent = this.subscribed ? t('pushDisable') : t('pushEnable');
    toggle.className = this.subscribed ? 'secondary' : 'primary';
    const known = !['loading', 'unsupported', 'unavailable'].includes(this.state);
    empty.hidden = !known || this.devices.length > 0;
    devices.replaceChildren(...(known ? this.devices.map((device) => this.deviceItem(device)) : []));
  }

  deviceItem(device) {
    const item = document.createElement('li');
    item.className = 'push-device';
    item.dataset.deviceId = device.id;
    const text = document.createElement('div');
    const name = document.createElement('span');
    name.className = 'push-device-name';
    name.textContent = deviceName(device.userAgent);
    if (device.userAgent) name.title = device.userAgent;
    text.append(name);
    if (device.endpoint === this.endpoint) {
      const mine = document.createElement('span');
      mine.className = 'push-device-mine';
      mine.textContent = ` (${t('pushThisDevice')})`;
      text.append(mine);
    }
    const meta = document.createElement('p');
    meta.className = 'push-device-meta';
    meta.textContent = [
      t('pushDeviceAdded', { time: formatDate(device.createdAt) }),
      device.goneAt
        ? t('pushDeviceGone', { time: formatTime(device.goneAt) })
        : device.lastSuccessAt
          ? t('pushDeviceLastSent', { time: formatTime(device.lastSuccessAt) })
          : t('pushDeviceNeverSent'),
    ].join(' · ');
    if (device.goneAt) item.classList.add('push-device-gone');
    text.append(meta);
    const remove = document.createElement('button');
    remove.type = 'button';
    remove.className = 'ghost push-device-remove';
    remove.textContent = t('pushRemove');
    remove.setAttribute('aria-label', `${t('pushRemove')}: ${name.textContent}`);
    remove.addEventListener('click', () => this.remove(device));
    item.append(text, remove);
    return item;
  }
}

/** "Chrome · Android" from a user agent string: enough to tell a person's phone from their office PC. */
export function deviceName(userAgent) {
  if (!userAgent) return t('pushUnknownDevice');
  const os = [
    [/Android/, 'Android'],
    [/iPhone|iPad|iPod/, 'iOS'],
    [/CrOS/, 'ChromeOS'],
    [/Mac OS X/, 'macOS'],
    [/Windows/, 'Windows'],
    [/Linux/, 'Linux'],
  ].find(([pattern]) => pattern.test(userAgent))?.[1];
  const browser = [
    [/SamsungBrowser/, 'Samsung Internet'],
    [/Edg\//, 'Edge'],
    [/Firefox\/|FxiOS/, 'Firefox'],
    [/Chrome\/|CriOS/, 'Chrome'],
    [/Safari\//, 'Safari'],
  ].find(([pattern]) => pattern.test(userAgent))?.[1];
  return [browser, os].filter(Boolean).join(' · ') || t('pushUnknownDevice');
}

function withTimeout(promise, ms, error) {
  let timer = 0;
  const expired = new Promise((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
  });
  return Promise.race([promise, expired]).finally(() => clearTimeout(timer));
}

function base64UrlBytes(text) {
  const base64 = text
    .replace(/-/g, '+')
    .replace(/_/g, '/')
    .padEnd(Math.ceil(text.length / 4) * 4, '=');
  return Uint8Array.from(atob(base64), (char) => char.charCodeAt(0));
}

function sameBytes(buffer, bytes) {
  if (!buffer) return false;
  const view = new Uint8Array(buffer);
  return view.length === bytes.length && view.every((byte, index) => byte === bytes[index]);
}
