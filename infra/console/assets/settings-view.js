// The organisation's escalation ladders and settings (GET/PUT/DELETE /v1/escalation-policies,
// GET/PATCH /v1/organisation/settings): admins edit them, managers read them. The API checks every value by the rule
// the realtime node and ingest apply when they read it; what it refuses is shown next to the form, nothing changes.
// A step may name a team's on-call (GET /v1/teams for the choice).

import { allItems, refusalMessage } from './api.js';
import { button, fillSelect, labelled, numberInput } from './form-controls.js';
import { t } from './i18n.js';
import { bindPanel } from './panel-toggle.js';

const SEVERITIES = ['critical', 'high', 'medium', 'low'];
const NOTIFY = ['assigned', 'managers', 'admins', 'on_call'];

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
    this.teams = [];
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

  /** Each time the panel opens: the ladders, the teams a step may name, the settings form. */
  async load() {
    this.status(t('attemptsLoading'));
    try {
      const [policies, teams, settings] = await Promise.all([
        this.api.get('/v1/escalation-policies'),
        allItems(this.api, '/v1/teams?sort=name'),
        this.api.get('/v1/organisation/settings'),
      ]);
      this.policies = policies.policies ?? [];
      this.teams = teams;
      this.settings = settings;
      this.status('');
      this.renderLadders();
      this.fillSettings();
    } catch (error) {
      this.status(t('attemptsFailed', { message: refusalMessage(error) }));
    }
  }

  /** After a ladder is saved or reset: the ladders only, so the settings form keeps what is being typed there. */
  async reloadLadders() {
    const policies = await this.api.get('/v1/escalation-policies');
    this.policies = policies.policies ?? [];
    this.renderLadders();
  }

  renderLadders() {
    this.elements.ladders.replaceChildren(...this.policies.map((policy) => this.ladderForm(policy)));
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
    fillSelect(
      notify,
      NOTIFY.map((value) => ({ value, label: t(`ladderNotify.${value}`) })),
    );
    notify.value = step.notify;
    const order = numberInput('order', step.order ?? '', 1, 20);
    const team = document.createElement('select');
    team.name = 'teamId';
    const teams = this.teams.map((entry) => ({ value: entry.id, label: entry.name }));
    // A ladder naming a team this list lacks keeps its choice rather than silently taking another team.
    if (step.teamId && !teams.some((entry) => entry.value === step.teamId)) {
      teams.push({ value: step.teamId, label: step.teamId });
    }
    fillSelect(team, teams.length ? teams : [{ value: '', label: t('ladderNoTeams') }], step.teamId);
    const wait = numberInput('waitSeconds', step.waitSeconds, 1, 86_400);
    const orderField = labelled(t('ladderOrder'), order);
    const teamField = labelled(t('ladderTeam'), team);
    const showKind = () => {
      orderField.hidden = notify.value === 'on_call';
      teamField.hidden = notify.value !== 'on_call';
    };
    notify.addEventListener('change', showKind);
    showKind();
    row.append(labelled(t('ladderWho'), notify), orderField, teamField, labelled(t('ladderWait'), wait));
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
        ...(notify === 'on_call' ? { teamId: row.querySelector('[name="teamId"]').value } : {}),
        waitSeconds: Number(row.querySelector('[name="waitSeconds"]').value),
      };
    });
    const repeat = Number(form.querySelector('[name="repeat"]').value);
    try {
      await this.api.put(`/v1/escalation-policies/${form.dataset.severity}`, { steps, repeat });
      await this.reloadLadders();
      this.elements.ladders.querySelector(`[data-severity="${form.dataset.severity}"] .ladder-status`).textContent =
        t('saved');
    } catch (error) {
      status.textContent = refusalMessage(error);
    }
  }

  async resetLadder(severity, status) {
    try {
      await this.api.delete(`/v1/escalation-policies/${severity}`);
      await this.reloadLadders();
    } catch (error) {
      status.textContent = refusalMessage(error);
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
      this.status(refusalMessage(error));
    }
  }

  status(text) {
    this.elements.status.textContent = text;
  }
}
