// "History" under an alert card: one timeline of everything that happened to the alert (raised, who was told at
// which step, receipts, channel attempts, escalations, re-triggers, notes, the resolution), from
// GET /v1/alerts/:id/history, and a form that adds a note (POST /v1/alerts/:id/notes): calls made, guardian reached.
// Loaded when opened; reloaded on the alert's changes while open and after a note is added.
import { codeLabel, formatClock, t } from './i18n.js';
import { LazyDetails } from './lazy-details.js';

export class HistoryView extends LazyDetails {
  /** @param {{api: {get: Function, post: Function}, details: HTMLDetailsElement, alertId: string}} options */
  constructor({ api, details, alertId }) {
    const path = `/v1/alerts/${encodeURIComponent(alertId)}`;
    super({ api, details, path: `${path}/history`, status: details.querySelector('.history-state') });
    this.notesPath = `${path}/notes`;
    this.list = details.querySelector('.history-list');
    this.form = details.querySelector('.note-form');
    this.noteField = this.form.querySelector('textarea');
    this.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.addNote();
    });
  }

  async addNote() {
    const body = this.noteField.value.trim();
    if (!body) return this.noteField.focus();
    const button = this.form.querySelector('button');
    button.disabled = true;
    try {
      await this.api.post(this.notesPath, { body });
      this.noteField.value = '';
      await this.load();
    } catch (error) {
      this.showStatus(t('noteFailed', { message: error instanceof Error ? error.message : String(error) }));
    } finally {
      button.disabled = false;
    }
  }

  render() {
    if (this.renderError() || !this.body) return;
    const timeline = Array.isArray(this.body.timeline) ? this.body.timeline : [];
    this.showStatus('');
    this.list.replaceChildren(...timeline.map((entry) => entryItem(entry, this.body.handling)));
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
