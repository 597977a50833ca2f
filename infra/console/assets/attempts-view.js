// "Who was told, how" under an alert card: each person told (their delivery's state, acknowledged or not) and each
// channel attempt to reach them (dashboard, push, webhook) with its state and the time it last changed, from
// GET /v1/alerts/:id/attempts. Loaded when opened; reloaded on the alert's changes while open.
import { formatClock, t } from './i18n.js';
import { LazyDetails } from './lazy-details.js';

export class AttemptsView extends LazyDetails {
  /** @param {{api: {get: (path: string) => Promise<unknown>}, details: HTMLDetailsElement, alertId: string}} options */
  constructor({ api, details, alertId }) {
    super({
      api,
      details,
      path: `/v1/alerts/${encodeURIComponent(alertId)}/attempts`,
      status: details.querySelector('.attempts-state'),
    });
    this.list = details.querySelector('.attempt-list');
  }

  render() {
    if (this.renderError() || !this.body) return;
    const deliveries = Array.isArray(this.body.deliveries) ? this.body.deliveries : [];
    this.showStatus(deliveries.length ? '' : t('attemptsEmpty'));
    this.list.replaceChildren(...deliveries.map(personItem));
  }
}

function personItem(delivery) {
  const item = document.createElement('li');
  item.className = 'attempt-person';
  item.dataset.staffId = delivery.staffId ?? '';
  item.dataset.state = delivery.state ?? '';
  const name = document.createElement('span');
  name.className = 'attempt-name';
  name.textContent = delivery.staffName || '—';
  const summary = document.createElement('span');
  summary.className = 'attempt-summary';
  summary.textContent = [
    label('delivery', delivery.state),
    delivery.escalationLevel > 0 ? t('escalationStep', { level: delivery.escalationLevel }) : '',
    delivery.acknowledgedAt
      ? t('deliveryAcknowledgedAt', { time: formatClock(delivery.acknowledgedAt) })
      : t('deliveryNotAcknowledged'),
  ]
    .filter(Boolean)
    .join(' · ');
  const channels = document.createElement('ul');
  channels.className = 'attempt-channels';
  for (const attempt of Array.isArray(delivery.attempts) ? delivery.attempts : []) {
    channels.append(attemptItem(attempt));
  }
  item.append(name, ' ', summary, channels);
  return item;
}

/** "휴대폰 알림 수신됨 14:02:03"; a queued attempt says when it is due, a failed one what the provider said. */
function attemptItem(attempt) {
  const item = document.createElement('li');
  item.className = 'attempt';
  item.dataset.channel = attempt.channel ?? '';
  item.dataset.state = attempt.state ?? '';
  let text = `${label('channel', attempt.channel)} ${label('attempt', attempt.state)} ${formatClock(attempt.updatedAt)}`;
  if (attempt.state === 'queued' && attempt.dueAt)
    text += ` (${t('attemptDue', { time: formatClock(attempt.dueAt) })})`;
  const problem = [attempt.providerStatus, attempt.detail].filter((part) => part !== null && part !== undefined);
  if (attempt.state === 'failed' && problem.length) text += ` (${problem.join(' ')})`;
  item.textContent = text;
  return item;
}

/** The localised label for a value, or the value itself when the server sent one this console does not know yet. */
function label(prefix, value) {
  const key = `${prefix}.${value}`;
  const text = t(key);
  return text === key ? String(value ?? '—') : text;
}
