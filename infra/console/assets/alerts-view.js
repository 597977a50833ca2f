// The live alert list: newest urgent first, one entry per alert (several deliveries of the same alert update it),
// Acknowledge / Resolve / Camera / Profile per alert, urgency by severity (colour, label, sound, title badge), and
// under each card who was told about it and how (attempts-view.js), its history, and the snapshot and clip its
// cameras captured (media-view.js).
import { sound } from './alarm.js';
import { AttemptsView } from './attempts-view.js';
import { HistoryView } from './history-view.js';
import { codeLabel, formatTime, t } from './i18n.js';
import { MediaView } from './media-view.js';

const severityRank = { critical: 0, high: 1, medium: 2, low: 3 };
/** An ack without an answer (alert.updated, or an error frame) this long is sent again: a repeat is always safe. */
const ACK_ANSWER_MS = 10_000;
/** Sends of one ack before the board stops trying and asks the person to press again. */
const ACK_ATTEMPTS = 6;

export class AlertBoard {
  /**
   * @param {{list: HTMLOListElement, empty: HTMLElement, count: HTMLElement, template: HTMLTemplateElement,
   *          send: (frame: object) => boolean, onOpenCamera: (alert: object) => void,
   *          onOpenResident: (residentId: string) => void, api: {get: (path: string) => Promise<unknown>, blob: (path: string) => Promise<Blob>}}} options
   */
  constructor(options) {
    Object.assign(this, options);
    /**
     * alertId → { alert, deliveryId, seq, element, attempts, ack? } — `ack` while an acknowledgement awaits the
     * server; `attempts` the card's "who was told, how" list.
     */
    this.entries = new Map();
    this.baseTitle = document.title;
  }

  /**
   * An `alert` frame; `duplicate` ones (same delivery again) only refresh what is shown. A new delivery of an alert
   * already shown (re-triggered after an acknowledgement, or escalated to this person again) is a new alarm: it
   * sounds, and Acknowledge answers it.
   */
  addDelivery({ deliveryId, seq, alert, duplicate }) {
    const existing = this.entries.get(alert.id);
    if (alert.status === 'resolved') return this.remove(alert.id);
    if (existing) {
      if (!duplicate || existing.deliveryId === deliveryId) existing.deliveryId = deliveryId;
      existing.seq = Math.min(existing.seq, seq);
      existing.alert = alert;
      if (alert.status !== 'open') this.settleAck(existing);
      else if (!duplicate) sound(alert.severity);
      if (!duplicate) {
        existing.attempts.refresh();
        existing.history.refresh();
        existing.media.refresh();
      }
      this.render(existing);
    } else {
      const element = this.create(alert.id);
      const attempts = new AttemptsView({
        api: this.api,
        details: element.querySelector('.attempts'),
        alertId: alert.id,
      });
      const history = new HistoryView({ api: this.api, details: element.querySelector('.history'), alertId: alert.id });
      const media = new MediaView({ api: this.api, details: element.querySelector('.media'), alertId: alert.id });
      const entry = { alert, deliveryId, seq, element, attempts, history, media };
      this.entries.set(alert.id, entry);
      this.render(entry);
      if (alert.status === 'open' && !duplicate) sound(alert.severity);
    }
    this.reorder();
  }

  /**
   * The sequence to resume after so a replay brings back every alert still shown (with its current state):
   * just below the oldest delivery on the board, or null when the board is empty.
   */
  floorSeq() {
    let floor = null;
    for (const entry of this.entries.values()) {
      if (Number.isInteger(entry.seq)) floor = Math.min(floor ?? entry.seq, entry.seq - 1);
    }
    return floor;
  }

  /** An `alert.updated` frame: someone acknowledged, resolved, it escalated or re-triggered. */
  update({ alertId, change, alert, by }) {
    if (change === 'resolved' || alert?.status === 'resolved') return this.remove(alertId);
    const entry = this.entries.get(alertId);
    if (!entry) return;
    entry.alert = { ...entry.alert, ...alert };
    if (entry.alert.status !== 'open') this.settleAck(entry);
    entry.note = change === 'acknowledged' && by ? t('acknowledgedBy', { name: by.name }) : entry.note;
    if (change === 'escalated') entry.note = t('escalated');
    if (change === 'retriggered') entry.note = t('retriggered');
    entry.attempts.refresh();
    entry.history.refresh();
    entry.media.refresh();
    this.render(entry);
    this.reorder();
  }

  /** Brings an alert's card into view and focus (opened from a phone notification); false when it is not shown. */
  reveal(alertId) {
    const entry = this.entries.get(alertId);
    if (!entry) return false;
    entry.element.tabIndex = -1;
    entry.element.scrollIntoView({ block: 'center' });
    entry.element.focus({ preventScroll: true });
    return true;
  }

  /**
   * The person pressed Acknowledge. The alert shows acknowledged only when the server says so (`alert.updated`, or
   * an `alert` frame with the new state); meanwhile it shows a pending state and the ack is sent again after a
   * retryable error, on every reconnect, and when no answer comes, until the server answers or ACK_ATTEMPTS ran out.
   */
  acknowledge(alertId) {
    const entry = this.entries.get(alertId);
    if (entry?.alert.status !== 'open' || entry.ack) return;
    entry.ack = { deliveryId: entry.deliveryId, attempts: 0, timer: 0 };
    entry.note = '';
    this.sendAck(entry);
    this.render(entry);
  }

  sendAck(entry) {
    const { ack } = entry;
    if (!ack) return;
    clearTimeout(ack.timer);
    if (ack.attempts >= ACK_ATTEMPTS) return this.failAck(entry);
    // Not connected: the ack waits for the next `welcome` (resendAcks), or the timer below.
    if (this.send({ type: 'ack', deliveryId: ack.deliveryId })) ack.attempts += 1;
    ack.timer = setTimeout(() => this.sendAck(entry), ACK_ANSWER_MS);
  }

  /** A (re)connected socket: acks still waiting for an answer go again (the server may never have seen them). */
  resendAcks() {
    for (const entry of this.entries.values()) if (entry.ack) this.sendAck(entry);
  }

  /**
   * An `error` frame. One about a pending ack (its `ref` names the delivery, or is `ack`) is sent again shortly if
   * retryable; otherwise the pending state ends and the person is asked to press again.
   */
  onError({ retryable, ref }) {
    for (const entry of this.entries.values()) {
      const { ack } = entry;
      if (!ack || (ref !== ack.deliveryId && ref !== 'ack')) continue;
      if (!retryable) {
        this.failAck(entry);
        continue;
      }
      clearTimeout(ack.timer);
      ack.timer = setTimeout(() => this.sendAck(entry), 250 * 2 ** ack.attempts);
    }
  }

  settleAck(entry) {
    if (!entry.ack) return;
    clearTimeout(entry.ack.timer);
    entry.ack = undefined;
  }

  failAck(entry) {
    this.settleAck(entry);
    entry.note = t('ackFailed');
    this.render(entry);
  }

  resolve(alertId, note, outcome) {
    if (!this.send({ type: 'resolve', alertId, note, ...(outcome ? { outcome } : {}) })) return false;
    this.remove(alertId);
    return true;
  }

  create(alertId) {
    const element = this.template.content.firstElementChild.cloneNode(true);
    element.dataset.alertId = alertId;
    const form = element.querySelector('.resolve-form');
    const noteField = form.querySelector('textarea');
    const outcomeField = form.querySelector('.resolve-outcome');
    element.querySelector('.ack').addEventListener('click', () => this.acknowledge(alertId));
    element.querySelector('.resolve').addEventListener('click', () => {
      form.hidden = false;
      noteField.focus();
    });
    form.querySelector('.resolve-cancel').addEventListener('click', () => {
      form.hidden = true;
      element.querySelector('.resolve').focus();
    });
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const note = noteField.value.trim();
      if (!note) return noteField.focus();
      this.resolve(alertId, note, outcomeField.value || undefined);
    });
    element.querySelector('.open-camera').addEventListener('click', () => {
      const entry = this.entries.get(alertId);
      if (entry) this.onOpenCamera(entry.alert);
    });
    element.querySelector('.open-resident').addEventListener('click', () => {
      const entry = this.entries.get(alertId);
      if (entry) this.onOpenResident(entry.alert.residentId);
    });
    return element;
  }

  render(entry) {
    const { alert, element } = entry;
    element.className = `alert severity-${alert.severity} status-${alert.status}`;
    element.dataset.deliveryId = entry.deliveryId;
    element.dataset.status = alert.status;
    element.querySelector('.severity').textContent = t(`severity.${alert.severity}`);
    element.querySelector('.alert-title').textContent = codeLabel('kinds', alert.kind) ?? (alert.title || alert.kind);
    renderOutcomeOptions(element.querySelector('.resolve-outcome'));
    const meta = t('alertMeta', {
      resident: alert.residentName,
      time: formatTime(alert.openedAt),
      status: t(`status.${alert.status}`),
    });
    element.querySelector('.alert-meta').textContent = entry.note ? `${meta} · ${entry.note}` : meta;
    const ack = element.querySelector('.ack');
    const pending = Boolean(entry.ack) && alert.status === 'open';
    element.dataset.ack = pending ? 'pending' : '';
    element.classList.toggle('ack-pending', pending);
    ack.disabled = alert.status !== 'open' || pending;
    ack.setAttribute('aria-busy', String(pending));
    ack.textContent = pending ? t('acknowledging') : alert.status === 'open' ? t('acknowledge') : t('acknowledged');
    for (const node of element.querySelectorAll('[data-i18n]')) {
      if (!node.classList.contains('ack')) node.textContent = t(node.dataset.i18n);
    }
  }

  renderAll() {
    for (const entry of this.entries.values()) {
      this.render(entry);
      entry.attempts.render();
      entry.history.render();
      entry.media.render();
    }
    this.reorder();
  }

  remove(alertId) {
    const entry = this.entries.get(alertId);
    if (!entry) return;
    this.settleAck(entry);
    entry.media.dispose();
    const hadFocus = entry.element.contains(document.activeElement);
    entry.element.remove();
    this.entries.delete(alertId);
    this.reorder();
    if (hadFocus) this.list.closest('section')?.querySelector('h2')?.focus();
  }

  reorder() {
    const ordered = [...this.entries.values()].sort(
      (a, b) =>
        Number(a.alert.status !== 'open') - Number(b.alert.status !== 'open') ||
        (severityRank[a.alert.severity] ?? 9) - (severityRank[b.alert.severity] ?? 9) ||
        Date.parse(b.alert.openedAt) - Date.parse(a.alert.openedAt),
    );
    // Only cards out of place move: moving a node drops its focus (a card brought into view for a notification, a
    // field being typed in); one that had to move gets its focus back.
    const focused = this.list.contains(document.activeElement) ? document.activeElement : null;
    for (const [index, entry] of ordered.entries()) {
      const current = this.list.children[index];
      if (current !== entry.element) this.list.insertBefore(entry.element, current ?? null);
    }
    if (focused && document.activeElement !== focused && focused.isConnected) focused.focus({ preventScroll: true });
    const open = ordered.filter((entry) => entry.alert.status === 'open').length;
    this.count.textContent = String(ordered.length);
    this.count.classList.toggle('urgent', open > 0);
    this.empty.hidden = ordered.length > 0;
    document.title = open > 0 ? `(${open}) ${this.baseTitle}` : this.baseTitle;
  }

  clear() {
    for (const alertId of [...this.entries.keys()]) this.remove(alertId);
  }
}

/** The handling outcomes in the current language, once their labels loaded; the chosen one is kept. */
const OUTCOMES = [
  'visited',
  'resident_ok_by_phone',
  'false_alarm',
  'device_fault',
  'ambulance_119',
  'hospitalised',
  'other',
];

function renderOutcomeOptions(select) {
  if (!select) return;
  const chosen = select.value;
  select.replaceChildren(
    ...OUTCOMES.map((outcome) => {
      const option = document.createElement('option');
      option.value = outcome;
      option.textContent = codeLabel('outcomes', outcome) ?? outcome;
      return option;
    }),
  );
  if (chosen) select.value = chosen;
}
