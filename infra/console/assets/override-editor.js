// Managers and admins, in the on-call panel: put someone on call for a team for a while — sick leave, a swap —
// (POST /v1/teams/:id/overrides) and remove an override (DELETE), with each team's overrides still running or to
// come listed. What the API refuses is shown with the field, as the form names it, and the reason; nothing changes.

import { ApiError, allItems, refusalMessage } from './api.js';
import { button, fillSelect } from './form-controls.js';
import { formatMinute, t } from './i18n.js';
import { browserZoneUnlike, fromLocalInput, offsetIso, toLocalInput, zoneSuffix } from './local-time.js';

const FIELDS = ['teamId', 'staffId', 'replacesStaffId', 'startsAt', 'endsAt', 'reason'];
const HOUR_MS = 60 * 60 * 1000;

export class OverrideEditor {
  /**
   * @param {{api: ReturnType<import('./api.js').createApi>,
   *          elements: {section: HTMLElement, form: HTMLFormElement, list: HTMLElement, status: HTMLElement},
   *          onChange: () => void}} options
   */
  constructor({ api, elements, onChange }) {
    this.api = api;
    this.elements = elements;
    this.onChange = onChange;
    this.enabled = false;
    /** What the status line says, kept as a function so it reads in the language of the moment. */
    this.statusText = () => '';
    this.teams = [];
    this.staff = [];
    this.overrides = [];
    this.loads = 0;
    elements.form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.create();
    });
  }

  showFor(role) {
    this.enabled = role === 'admin' || role === 'manager';
    this.elements.section.hidden = !this.enabled;
    this.status(() => '');
  }

  /** The staff to choose from and each team's overrides; nothing for those who may not change them. */
  async load(teams) {
    if (!this.enabled) return;
    const load = ++this.loads;
    try {
      const [staff, ...perTeam] = await Promise.all([
        allItems(this.api, '/v1/staff?sort=name'),
        ...teams.map((team) => allItems(this.api, `/v1/teams/${team.id}/overrides`)),
      ]);
      // An older answer arriving late never replaces a newer one.
      if (load !== this.loads) return;
      this.teams = teams;
      this.staff = staff;
      this.overrides = perTeam.flat();
    } catch (error) {
      if (load === this.loads) this.status(() => t('attemptsFailed', { message: refusalMessage(error) }));
    }
  }

  /** A staff member's name, when this reader may list staff. */
  nameOf(staffId) {
    return this.staff.find((person) => person.id === staffId)?.name;
  }

  /** @param {string} [orgZone] the organisation's time zone: times here are this browser's, said so when they differ */
  render(orgZone) {
    if (!this.enabled) return;
    this.elements.status.textContent = this.statusText();
    const { form, list } = this.elements;
    const controls = form.elements;
    fillSelect(
      controls.teamId,
      this.teams.map((team) => ({ value: team.id, label: team.name })),
    );
    const people = this.staff.map((person) => ({ value: person.id, label: person.name }));
    fillSelect(
      controls.staffId,
      this.staff
        .filter((person) => person.active !== false)
        .map((person) => ({ value: person.id, label: person.name })),
    );
    fillSelect(controls.replacesStaffId, [{ value: '', label: t('overrideReplacesNobody') }, ...people], '');
    if (!controls.startsAt.value && !controls.endsAt.value) {
      const now = new Date();
      controls.startsAt.value = toLocalInput(now);
      controls.endsAt.value = toLocalInput(new Date(now.getTime() + 12 * HOUR_MS));
    }
    for (const control of form.querySelectorAll('select, input, button')) control.disabled = this.teams.length === 0;
    const teamNames = new Map(this.teams.map((team) => [team.id, team.name]));
    list.replaceChildren(
      ...(this.overrides.length
        ? this.overrides.map((override) =>
            this.overrideRow(override, teamNames.get(override.teamId) ?? '—', browserZoneUnlike(orgZone)),
          )
        : [emptyRow()]),
    );
  }

  /** "Night desk · Lee, standing in for Kim · 8 Dec 2026, 18:00 – 9 Dec 2026, 09:00 · Sick leave  [Delete]". */
  overrideRow(override, teamName, zone) {
    const row = document.createElement('li');
    row.className = 'override';
    row.dataset.overrideId = override.id;
    const who = this.nameOf(override.staffId) ?? '—';
    const replaced = override.replacesStaffId
      ? ` (${t('onCallStandsInFor', { name: this.nameOf(override.replacesStaffId) ?? t('onCallColleague') })})`
      : '';
    const from = formatMinute(new Date(override.startsAt));
    const when = `${from} – ${formatMinute(new Date(override.endsAt))}${zoneSuffix(zone)}`;
    const text = document.createElement('span');
    text.textContent = [teamName, `${who}${replaced}`, when, override.reason].filter(Boolean).join(' · ');
    row.append(
      text,
      button(t('overrideDelete'), 'ghost', () => this.remove(override)),
    );
    return row;
  }

  async create() {
    const controls = this.elements.form.elements;
    const startsAt = fromLocalInput(controls.startsAt.value);
    const endsAt = fromLocalInput(controls.endsAt.value);
    const body = {
      staffId: controls.staffId.value,
      replacesStaffId: controls.replacesStaffId.value || null,
      // A time the browser could not read goes as typed, for the API to refuse with its field.
      startsAt: startsAt ? offsetIso(startsAt) : controls.startsAt.value,
      endsAt: endsAt ? offsetIso(endsAt) : controls.endsAt.value,
      reason: controls.reason.value.trim() || null,
    };
    this.markInvalid([]);
    try {
      await this.api.post(`/v1/teams/${encodeURIComponent(controls.teamId.value)}/overrides`, body);
      controls.reason.value = '';
      this.status(() => t('overrideAdded'));
      this.onChange();
    } catch (error) {
      this.markInvalid(error instanceof ApiError ? (error.problem?.errors ?? []) : []);
      this.status(() => refusalMessage(error, this.fieldLabels()));
    }
  }

  async remove(override) {
    try {
      await this.api.delete(`/v1/teams/${override.teamId}/overrides/${override.id}`);
      this.status(() => t('overrideDeleted'));
      this.onChange();
    } catch (error) {
      this.status(() => refusalMessage(error));
    }
  }

  /** Each form field by the caption the reader sees, for refusals ("To: the override ends before it starts"). */
  fieldLabels() {
    const labels = {};
    for (const name of FIELDS) {
      const caption = this.elements.form.elements[name]?.closest('label')?.querySelector('span')?.textContent;
      if (caption) labels[name] = caption;
    }
    return labels;
  }

  /** Marks the controls a refusal names, so a screen reader and the eye find them. */
  markInvalid(errors) {
    const named = new Set(errors.map((entry) => String(entry.field ?? '').replace(/^body\./, '')));
    for (const name of FIELDS) {
      const control = this.elements.form.elements[name];
      if (!control) continue;
      if (named.has(name)) control.setAttribute('aria-invalid', 'true');
      else control.removeAttribute('aria-invalid');
    }
  }

  status(text) {
    this.statusText = text;
    this.elements.status.textContent = text();
  }
}

function emptyRow() {
  const row = document.createElement('li');
  row.className = 'empty';
  row.textContent = t('overridesEmpty');
  return row;
}
