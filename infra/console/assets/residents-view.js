// Residents the signed-in staff member may read (the API scopes the list), and one resident's profile with a
// chart of the last 7 days of sensor activity.
import { renderActivityChart } from './activity-chart.js';
import { allItems, itemsOf } from './api.js';
import { currentLanguage, formatTime, t } from './i18n.js';

export class ResidentsView {
  /** @param {{api: ReturnType<typeof import('./api.js').createApi>, elements: Record<string, HTMLElement>}} options */
  constructor({ api, elements }) {
    this.api = api;
    this.el = elements;
    this.residents = [];
    this.profile = null;
    this.activity = null;
    this.el.filter.addEventListener('input', () => this.renderList());
    this.el.close.addEventListener('click', () => this.closeProfile());
  }

  /** Every resident the API lists for this staff member (pages of 100, following nextCursor). */
  async load() {
    const all = [];
    try {
      await allItems(this.api, '/v1/residents', all);
    } catch {
      // Show what arrived; the list is a convenience, alerts do not depend on it.
    }
    this.residents = all;
    this.renderList();
  }

  renderList() {
    const query = this.el.filter.value.trim().toLowerCase();
    const shown = this.residents.filter((resident) => !query || resident.name.toLowerCase().includes(query));
    this.el.list.replaceChildren(
      ...shown.map((resident) => {
        const item = document.createElement('li');
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'resident';
        button.dataset.residentId = resident.id;
        const name = document.createElement('span');
        name.className = 'resident-name';
        name.textContent = resident.name;
        const meta = document.createElement('span');
        meta.className = 'resident-meta';
        meta.textContent = `${t('lastActivity')}: ${formatTime(resident.lastActivityAt)}`;
        button.append(name, meta);
        button.addEventListener('click', () => this.open(resident.id));
        item.append(button);
        return item;
      }),
    );
    this.el.empty.hidden = shown.length > 0;
  }

  async open(residentId) {
    const [profile, activity] = await Promise.all([
      this.api.get(`/v1/residents/${encodeURIComponent(residentId)}`),
      this.api.get(`/v1/residents/${encodeURIComponent(residentId)}/activity?days=7`).catch(() => null),
    ]);
    this.profile = profile;
    this.activity = activity;
    this.renderProfile();
    this.el.panel.hidden = false;
    this.el.title.focus();
  }

  renderProfile() {
    const profile = this.profile;
    if (!profile) return;
    this.el.title.textContent = profile.name;
    const facts = [
      [t('birthDate'), profile.birthDate ?? '—'],
      [t('address'), profile.address ?? '—'],
      [t('phone'), profile.phone ?? '—'],
      [t('lastActivity'), formatTime(profile.lastActivityAt)],
      [t('openAlerts'), String(profile.openAlerts?.length ?? 0)],
    ];
    this.el.facts.replaceChildren(
      ...facts.flatMap(([term, value]) => {
        const dt = document.createElement('dt');
        dt.textContent = term;
        const dd = document.createElement('dd');
        dd.textContent = value;
        return [dt, dd];
      }),
    );
    this.el.staff.replaceChildren(
      ...(profile.assignedStaff ?? []).map((person) => {
        const item = document.createElement('li');
        item.textContent = `${person.escalationOrder}. ${person.name}${person.phone ? ` · ${person.phone}` : ''}`;
        return item;
      }),
    );
    const total = renderActivityChart(this.el.chart, this.activity ?? [], {
      locale: currentLanguage() === 'ko' ? 'ko-KR' : 'en-GB',
    });
    this.el.chart.firstElementChild?.setAttribute('aria-label', t('activityCaption', { total }));
    this.el.caption.textContent = total > 0 ? t('activityCaption', { total }) : t('noActivity');
  }

  closeProfile() {
    this.el.panel.hidden = true;
    this.profile = null;
  }

  /**
   * The resident's first camera, or null: from the resident's profile (`cameras`), else from the camera list
   * (which the API opens to managers and admins).
   */
  async cameraFor(residentId) {
    const profile = await this.api.get(`/v1/residents/${encodeURIComponent(residentId)}`);
    if (Array.isArray(profile?.cameras)) return profile.cameras[0] ?? null;
    const cameras = itemsOf(await this.api.get(`/v1/cameras?residentId=${encodeURIComponent(residentId)}`));
    return cameras.find((camera) => camera.residentId === residentId) ?? null;
  }
}
