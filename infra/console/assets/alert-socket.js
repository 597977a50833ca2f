// The dashboard's WebSocket to the realtime node (protocol: realtime/protocol.ts). It confirms every alert frame
// with `received` at once, marks duplicates by delivery id (delivery is at-least-once), remembers the highest
// sequence in sessionStorage, resumes on every (re)connect from the point the page asks for (offered with the
// connection, so the replay comes first and in order), reconnects
// with capped exponential backoff, and reports its state for the page to show.
import { BEARER_PREFIX, DRAINING_CLOSE, PROTOCOL, RESUME_PREFIX } from './protocol.js';

const MAX_BACKOFF_MS = 30_000;
/** After a draining node's close: reconnect within this (random, so its dashboards do not all arrive at once). */
const DRAIN_RECONNECT_MS = 250;
const CLIENT_PING_MS = 25_000;
/** No frame at all for this long means the connection is dead even if the socket has not noticed. */
const SILENCE_LIMIT_MS = 65_000;
const SEEN_LIMIT = 5_000;
/** Close code of the realtime node for a refused token. */
const UNAUTHORIZED_CLOSE = 4001;

export class AlertSocket extends EventTarget {
  /**
   * @param {{url: string, staffId: string, accessToken: () => Promise<string>, refreshNow: () => Promise<void>,
   *          resumePoint: () => number}} options
   *   resumePoint: the sequence to resume after; the page may go lower than lastSeq to refresh what it shows.
   */
  constructor({ url, staffId, accessToken, refreshNow, resumePoint }) {
    super();
    this.resumePoint = resumePoint;
    this.url = url;
    this.accessToken = accessToken;
    this.refreshNow = refreshNow;
    this.refreshBeforeConnect = false;
    this.seqKey = `carewatch.lastSeq.${staffId}`;
    this.state = 'offline';
    this.attempt = 0;
    this.seen = new Set();
    this.ws = null;
    this.stopped = true;
    this.timers = { reconnect: 0, ping: 0, silence: 0 };
    this.onOnline = () => this.reconnectNow();
  }

  /** Highest delivery sequence this tab has seen (null before the first alert). */
  get lastSeq() {
    const stored = sessionStorage.getItem(this.seqKey);
    return stored === null ? null : Number(stored);
  }

  start() {
    this.stopped = false;
    window.addEventListener('online', this.onOnline);
    this.connect();
  }

  stop() {
    this.stopped = true;
    window.removeEventListener('online', this.onOnline);
    this.clearTimers();
    this.ws?.close(1000, 'bye');
    this.ws = null;
    this.setState('offline');
  }

  /** Sends a client frame; false when not connected (the caller keeps its intent and retries). */
  send(frame) {
    if (this.ws?.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify(frame));
    return true;
  }

  async connect() {
    this.setState(this.attempt === 0 ? 'connecting' : 'reconnecting');
    let token;
    try {
      if (this.refreshBeforeConnect) await this.refreshNow();
      this.refreshBeforeConnect = false;
      token = await this.accessToken();
    } catch (error) {
      // A refused refresh ends the session; an unreachable API is just another reason to retry later.
      if (error?.status === 401) {
        this.emit('auth-lost', {});
        return this.stop();
      }
      return this.scheduleReconnect();
    }
    // Stopped meanwhile, or another connect (the browser's `online` event) got there first while this one awaited its
    // token: a second socket would stay open on the server with nobody reading it.
    if (this.stopped || this.ws) return;
    const resumeFrom = Math.max(0, Math.floor(this.resumePoint()));
    const ws = new WebSocket(this.url, [PROTOCOL, `${BEARER_PREFIX}${token}`, `${RESUME_PREFIX}${resumeFrom}`]);
    this.ws = ws;
    ws.addEventListener('message', (event) => this.onFrame(ws, event.data));
    ws.addEventListener('close', (event) => this.onClose(ws, event));
    this.armSilenceTimer();
  }

  onFrame(ws, data) {
    if (ws !== this.ws) return;
    this.armSilenceTimer();
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    switch (frame.type) {
      case 'welcome':
        this.attempt = 0;
        this.setState('live');
        this.emit('welcome', frame);
        clearInterval(this.timers.ping);
        this.timers.ping = setInterval(() => this.send({ type: 'ping', t: Date.now() }), CLIENT_PING_MS);
        break;
      case 'alert':
        this.onAlert(frame);
        break;
      case 'ping':
        this.send({ type: 'pong', t: frame.t });
        break;
      case 'pong':
        break;
      default:
        this.emit(frame.type, frame);
    }
  }

  onAlert(frame) {
    // Always confirm, also for a duplicate: the server re-sends until it hears this.
    this.send({ type: 'received', deliveryId: frame.deliveryId });
    if (Number.isInteger(frame.seq) && frame.seq > (this.lastSeq ?? -1)) {
      sessionStorage.setItem(this.seqKey, String(frame.seq));
    }
    // A duplicate still carries the alert's current state (a replay after a gap): the page refreshes, not re-alarms.
    const duplicate = this.seen.has(frame.deliveryId);
    if (!duplicate) {
      this.seen.add(frame.deliveryId);
      if (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.values().next().value);
    }
    this.emit('alert', { ...frame, duplicate });
  }

  onClose(ws, event) {
    if (ws !== this.ws) return;
    this.ws = null;
    clearInterval(this.timers.ping);
    clearTimeout(this.timers.silence);
    if (this.stopped) return;
    this.emit('closed', { code: event.code, reason: event.reason });
    // 4001: the node refused the token (expired, revoked staff). A refresh that fails too ends the session.
    if (event.code === UNAUTHORIZED_CLOSE) this.refreshBeforeConnect = true;
    // 1012: the node is draining; the entry point sends the new connection to another node, so no backoff.
    this.scheduleReconnect(event.code === DRAINING_CLOSE ? Math.random() * DRAIN_RECONNECT_MS : undefined);
  }

  /** Reconnects after `delayMs`, or after a capped exponential backoff with jitter when none is given. */
  scheduleReconnect(delayMs) {
    if (this.stopped) return;
    const delay = delayMs ?? Math.min(MAX_BACKOFF_MS, 500 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
    this.attempt += 1;
    this.setState('reconnecting', Math.round(delay));
    this.timers.reconnect = setTimeout(() => this.connect(), delay);
  }

  reconnectNow() {
    if (this.stopped || this.ws) return;
    clearTimeout(this.timers.reconnect);
    this.connect();
  }

  armSilenceTimer() {
    clearTimeout(this.timers.silence);
    this.timers.silence = setTimeout(() => this.ws?.close(4000, 'silent'), SILENCE_LIMIT_MS);
  }

  clearTimers() {
    clearTimeout(this.timers.reconnect);
    clearInterval(this.timers.ping);
    clearTimeout(this.timers.silence);
  }

  setState(state, retryInMs) {
    this.state = state;
    this.emit('state', { state, retryInMs });
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }
}
