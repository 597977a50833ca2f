// "History" under an alert card: one timeline of everything that happened to the alert (raised, who was told at
// which step, receipts, channel attempts, escalations, re-triggers, notes, the resolution), from
// GET /v1/alerts/:id/history, and a form that adds a note (POST /v1/alerts/:id/notes): calls made, guardian reached.
// Loaded when opened; reloaded on the alert's changes while open and after a note is added.
import { codeLabel, formatClock, t } from './i18n.js';

export class HistoryView {
  /** @param {{api: {get: Function, post: Function}, details: HTMLDetailsElement, alertId: string}} options */
  constructor({ api, details, alertId }) {
    this.api = api;
    this.details = details;
    this.alertId = alertId;
    this.status = details.querySelector('.history-state');
    this.list = details.querySelector('.history-list');
    this.form = details.querySelector('.note-form');
    this.noteField = this.form.querySelector('textarea');
    this.body = null;
    this.error = null;
    this.loads = 0;
    details.addEventListener('toggle', () => {
      if (details.open) this.load();
    });
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.addNote();
    });
  }

  refresh() {
    if (this.details.open) this.load();
  }

  async load() {
    const load = ++this.loads;
    if (!this.body) this.showStatus(t('attemptsLoading'));
    try {
      const body = await this.api.get(`/v1/alerts/${encodeURIComponent(this.alertId)}/history`);
      if (load !== this.loads) return;
      this.body = body;
      this.error = null;
    } catch (error) {
      if (load !== this.loads) return;
      this.error = error instanceof Error ? error.message : String(error);
    }
    this.render();
  }

  async addNote() {
    const body = this.noteField.value.trim();
    if (!body) return this.noteField.focus();
    const button = this.form.querySelector('button');
    button.disabled = true;
    try {
      await this.api.post(`/v1/alerts/${encodeURIComponent(this.alertId)}/notes`, { body });
      this.noteField.value = '';
      await this.load();
    } catch (error) {
      this.showStatus(t('noteFailed', { message: error instanceof Error ? error.message : String(error) }));
    } finally {
      button.disabled = false;
    }
  }

  render() {
    if (this.error) return this.showStatus(t('attemptsFailed', { message: this.error }));
    if (!this.body) return;
    const timeline = Array.isArray(this.body.timeline) ? this.body.timeline : [];
    this.showStatus('');
    this.list.replaceChildren(...timeline.map((entry) => entryItem(entry, this.body.handling)));
  }

  showStatus(text) {
    this.status.textContent = text;
    this.status.hidden = !text;
  }
}

/**
 * "14:02:03 · 알림 보냄 · 생활지원사 Kim · 1단계": when, what (localised where this console knows the event), who, and
 * only the words a person wrote or a failure's reason (the server's other details are for operators, in English).
 */
function entryItem(entry, handling) {
  const item = document.createElement('li');
  item.className = 'history-entry';
  item.dataset.event = entry.event ?? '';
  const key = `event.${entry.event}`;
  const what = t(key) === key ? String(entry.event ?? '') : t(key);
  const step =
    (entry.event === 'escalated' || entry.event === 'told') && entry.escalationLevel > 0
      ? t('escalationStep', { level: entry.escalationLevel })
      : '';
  let words = '';
  if (entry.event === 'note') words = entry.detail ?? '';
  else if (entry.event === 'resolved' && handling) {
    words = [handling.outcome ? (codeLabel('outcomes', handling.outcome) ?? handling.outcome) : '', handling.note]
      .filter(Boolean)
      .join(': ');
  } else if (String(entry.event ?? '').endsWith('failed')) words = entry.detail ?? '';
  item.textContent = [formatClock(entry.at), what, step, entry.staffName, words].filter(Boolean).join(' · ');
  return item;
}
