// Notification rules in the phone-notification panel: for each severity, when a push (and, for the organisation,
// a webhook call) follows the dashboard. Everyone edits their own rules; admins also the organisation's. What the
// API answers is what is shown: after a save the list is read again.
import { ApiError } from './api.js';
import { t } from './i18n.js';

const SEVERITIES = ['critical', 'high', 'medium', 'low'];
const RULES = '/v1/notification-rules';

export class RulesView {
  /**
   * @param {{api: ReturnType<import('./api.js').createApi>, elements: {list: HTMLElement, status: HTMLElement}}} options
   */
  constructor({ api, elements }) {
    this.api = api;
    this.elements = elements;
    this.answer = null;
  }

  async refresh() {
    this.elements.status.textContent = t('rulesLoading');
    try {
      this.answer = await this.api.get(RULES);
      this.elements.status.textContent = '';
      this.render();
    } catch (error) {
      this.elements.status.textContent = t('rulesFailed', { message: messageOf(error) });
    }
  }

  render() {
    const staff = this.api.session?.staff;
    if (!this.answer || !staff) return;
    const { list } = this.elements;
    list.replaceChildren();
    const scopes = [{ scope: 'me', title: t('rulesMine'), channels: ['push'] }];
    if (staff.role === 'admin')
      scopes.push({ scope: 'organisation', title: t('rulesOrganisation'), channels: ['push', 'webhook'] });
    for (const { scope, title, channels } of scopes) {
      const heading = document.createElement('h4');
      heading.textContent = title;
      list.append(heading);
      for (const severity of SEVERITIES) list.append(this.row(scope, severity, channels, staff.id));
    }
  }

  /** One severity's rule in one scope: where it comes from, and a form to change it. */
  row(scope, severity, channels, staffId) {
    const own = this.answer.rules.find(
      (rule) => rule.severity === severity && (scope === 'me' ? rule.staffId === staffId : rule.staffId === null),
    );
    const organisation = this.answer.rules.find((rule) => rule.severity === severity && rule.staffId === null);
    const effective = own ?? (scope === 'me' ? organisation : undefined);
    const rule = effective?.channels ?? this.answer.defaults[severity] ?? [];
    const source = own
      ? scope === 'me'
        ? 'mine'
        : 'organisation'
      : scope === 'me' && organisation
        ? 'organisation'
        : 'default';

    const form = document.createElement('form');
    form.className = 'rule-row';
    form.dataset.scope = scope;
    form.dataset.severity = severity;
    const label = document.createElement('strong');
    label.textContent = `${t(`severity.${severity}`)} · ${t(`rulesSource.${source}`)}`;
    form.append(label);
    for (const channel of channels) {
      const current = rule.find((entry) => entry.channel === channel);
      form.append(channelFields(channel, current));
    }
    const save = document.createElement('button');
    save.type = 'submit';
    save.className = 'ghost';
    save.textContent = t('rulesSave');
    form.append(save);
    if (own) {
      const reset = document.createElement('button');
      reset.type = 'button';
      reset.className = 'ghost';
      reset.textContent = t('rulesReset');
      reset.addEventListener('click', () => this.write('DELETE', scope, severity, staffId));
      form.append(reset);
    }
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.write('PUT', scope, severity, staffId, channelsOf(form, channels));
    });
    return form;
  }

  async write(method, scope, severity, staffId, channels) {
    const path = scope === 'me' ? `${RULES}/staff/${staffId}/${severity}` : `${RULES}/organisation/${severity}`;
    this.elements.status.textContent = t('rulesSaving');
    try {
      if (method === 'PUT') await this.api.put(path, { channels });
      else await this.api.delete(path);
      await this.refresh();
      this.elements.status.textContent = t('rulesSaved');
    } catch (error) {
      this.elements.status.textContent = t('rulesFailed', { message: messageOf(error) });
    }
  }
}

/** "[x] Push after [0] s [ ] only if not yet received" for one channel. */
function channelFields(channel, current) {
  const fieldset = document.createElement('fieldset');
  fieldset.dataset.channel = channel;
  const legend = document.createElement('legend');
  legend.textContent = t(`channel.${channel}`);
  const on = checkbox('on', Boolean(current), t('rulesOn'));
  const delay = document.createElement('input');
  delay.type = 'number';
  delay.name = 'delay';
  delay.min = '0';
  delay.max = '86400';
  delay.step = '1';
  delay.value = String(current?.delaySeconds ?? 0);
  delay.setAttribute('aria-label', t('rulesDelay'));
  const delayLabel = document.createElement('label');
  delayLabel.append(delay, ` ${t('rulesSecondsAfter')}`);
  const unless = checkbox('unless', Boolean(current?.unlessReceived), t('rulesUnlessReceived'));
  fieldset.append(legend, on, delayLabel, unless);
  return fieldset;
}

function checkbox(name, checked, text) {
  const label = document.createElement('label');
  const input = document.createElement('input');
  input.type = 'checkbox';
  input.name = name;
  input.checked = checked;
  label.append(input, ` ${text}`);
  return label;
}

function channelsOf(form, channels) {
  return channels.flatMap((channel) => {
    const fieldset = form.querySelector(`fieldset[data-channel="${channel}"]`);
    if (!fieldset?.querySelector('input[name="on"]').checked) return [];
    const rule = { channel, delaySeconds: Number(fieldset.querySelector('input[name="delay"]').value) };
    if (fieldset.querySelector('input[name="unless"]').checked) rule.unlessReceived = true;
    return [rule];
  });
}

function messageOf(error) {
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : String(error);
}
