// The organisation's escalation ladders and settings (GET/PUT/DELETE /v1/escalation-policies,
// GET/PATCH /v1/organisation/settings): admins edit them, managers read them. The API checks every value by the rule
// the realtime node and ingest apply when they read it; what it refuses is shown next to the form, nothing changes.

import { ApiError } from './api.js';
import { t } from './i18n.js';
import { bindPanel } from './panel-toggle.js';

const SEVERITIES = ['critical', 'high', 'medium', 'low'];
const NOTIFY = ['assigned', 'managers', 'admins'];

export class SettingsView {
  /**
   * @param {{api: ReturnType<import('./api.js').createApi>,
   *          elements: {button: HTMLButtonElement, panel: HTMLElement, title: HTMLElement, close: HTMLButtonElement,
   *                     ladders: HTMLElement, settings: HTMLFormElement, status: HTMLElement}}} options
   */
  constructor({ api, elements }) {
    this.api = api;
    this.elements = elements;
    this.policies = [];
    this.settings = null;
    this.panel = bindPanel(elements, () => this.load());
    elements.settings.addEventListener('submit', (event) => {
      event.preventDefault();
      this.saveSettings();
    });
  }

  showFor(role) {
    this.elements.button.hidden = !(role === 'admin' || role === 'manager');
  }

  get editable() {
    return this.api.session?.staff?.role === 'admin';
  }

  async load() {
    this.status(t('attemptsLoading'));
    try {
      const [policies, settings] = await Promise.all([
        this.api.get('/v1/escalation-policies'),
        this.api.get('/v1/organisation/settings'),
      ]);
      this.policies = policies.policies ?? [];
      this.settings = settings;
      this.status('');
      this.render();
    } catch (error) {
      this.status(t('attemptsFailed', { message: messageOf(error) }));
    }
  }

  render() {
    this.elements.ladders.replaceChildren(...this.policies.map((policy) => this.ladderForm(policy)));
    this.fillSettings();
  }

  ladderForm(policy) {
    const form = document.createElement('form');
    form.className = 'ladder';
    form.dataset.severity = policy.severity;
    const legend = document.createElement('h4');
    legend.textContent = `${t(`severity.${policy.severity}`)}${policy.isDefault ? ` · ${t('ladderDefault')}` : ''}`;
    const steps = document.createElement('ol');
    steps.className = 'ladder-steps';
    for (const step of policy.steps) steps.append(this.stepRow(step));
    const repeat = numberInput('repeat', policy.repeat, 0, 20);
    const repeatLabel = labelled(t('ladderRepeat'), repeat);
    const status = document.createElement('p');
    status.className = 'ladder-status push-state';
    status.setAttribute('role', 'status');
    form.append(legend, steps, repeatLabel, status);
    if (this.editable) {
      const add = button(t('ladderAddStep'), 'ghost', () =>
        steps.append(this.stepRow({ notify: 'managers', waitSeconds: 120 })),
      );
      const save = button(t('ladderSave'), 'primary');
      save.type = 'submit';
      const reset = button(t('ladderReset'), 'ghost', () => this.resetLadder(policy.severity, status));
      form.append(add, save, reset);
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        this.saveLadder(form, status);
      });
    } else {
      for (const control of form.querySelectorAll('input, select')) control.disabled = true;
    }
    return form;
  }

  stepRow(step) {
    const row = document.createElement('li');
    row.className = 'ladder-step';
    const notify = document.createElement('select');
    notify.name = 'notify';
    for (const value of NOTIFY) {
      const option = document.createElement('option');
      option.value = value;
      option.textContent = t(`ladderNotify.${value}`);
      notify.append(option);
    }
    notify.value = step.notify;
    const order = numberInput('order', step.order ?? '', 1, 20);
    const wait = numberInput('waitSeconds', step.waitSeconds, 1, 86_400);
    row.append(labelled(t('ladderWho'), notify), labelled(t('ladderOrder'), order), labelled(t('ladderWait'), wait));
    if (this.editable) row.append(button(t('ladderRemoveStep'), 'ghost', () => row.remove()));
    return row;
  }

  async saveLadder(form, status) {
    const steps = [...form.querySelectorAll('.ladder-step')].map((row) => {
      const notify = row.querySelector('[name="notify"]').value;
      const order = row.querySelector('[name="order"]').value;
      return {
        notify,
        ...(notify === 'assigned' && order !== '' ? { order: Number(order) } : {}),
        waitSeconds: Number(row.querySelector('[name="waitSeconds"]').value),
      };
    });
    const repeat = Number(form.querySelector('[name="repeat"]').value);
    try {
      await this.api.put(`/v1/escalation-policies/${form.dataset.severity}`, { steps, repeat });
      await this.load();
      this.elements.ladders.querySelector(`[data-severity="${form.dataset.severity}"] .ladder-status`).textContent =
        t('saved');
    } catch (error) {
      status.textContent = messageOf(error);
    }
  }

  async resetLadder(severity, status) {
    try {
      await this.api.delete(`/v1/escalation-policies/${severity}`);
      await this.load();
    } catch (error) {
      status.textContent = messageOf(error);
    }
  }

  fillSettings() {
    const form = this.elements.settings;
    const effective = this.settings?.effective;
    if (!effective) return;
    form.elements.timeZone.value = effective.timeZone;
    form.elements.nightStart.value = effective.nightHours.start;
    form.elements.nightEnd.value = effective.nightHours.end;
    form.elements.hubOfflineMinutes.value = effective.hubOfflineMinutes;
    for (const severity of SEVERITIES) {
      const value = effective.ackTimeoutSeconds[severity];
      form.elements[`ack-${severity}`].value = value === null || value === undefined ? '' : value;
    }
    for (const control of form.querySelectorAll('input, button')) control.disabled = !this.editable;
  }

  async saveSettings() {
    const form = this.elements.settings;
    const ackTimeoutSeconds = Object.fromEntries(
      SEVERITIES.map((severity) => {
        const value = form.elements[`ack-${severity}`].value;
        return [severity, value === '' ? null : Number(value)];
      }),
    );
    const body = {
      timeZone: form.elements.timeZone.value.trim(),
      nightHours: { start: Number(form.elements.nightStart.value), end: Number(form.elements.nightEnd.value) },
      hubOfflineMinutes: Number(form.elements.hubOfflineMinutes.value),
      ackTimeoutSeconds,
    };
    try {
      this.settings = await this.api.patch('/v1/organisation/settings', body);
      this.fillSettings();
      this.status(t('saved'));
    } catch (error) {
      this.status(messageOf(error));
    }
  }

  status(text) {
    this.elements.status.textContent = text;
  }
}

function numberInput(name, value, min, max) {
  const input = document.createElement('input');
  input.type = 'number';
  input.name = name;
  input.min = String(min);
  input.max = String(max);
  input.value = String(value);
  return input;
}

function labelled(text, control) {
  const label = document.createElement('label');
  label.className = 'ladder-field';
  const span = document.createElement('span');
  span.textContent = text;
  label.append(span, control);
  return label;
}

function button(text, kind, onClick) {
  const element = document.createElement('button');
  element.type = 'button';
  element.className = kind;
  element.textContent = text;
  if (onClick) element.addEventListener('click', onClick);
  return element;
}

/** A refusal's field messages ("steps.0.waitSeconds: must be at least 1 second"), else its detail. */
function messageOf(error) {
  if (error instanceof ApiError && Array.isArray(error.problem?.errors) && error.problem.errors.length) {
    return error.problem.errors.map((entry) => `${entry.field.replace(/^body\./, '')}: ${entry.message}`).join('; ');
  }
  return error instanceof Error ? error.message : String(error);
}
