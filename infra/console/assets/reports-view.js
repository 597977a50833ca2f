// "Time to answer" for managers and admins: GET /v1/reports/response-times per month, week or team told — a bar chart
// of the share of alerts acknowledged within 60 s and within 180 s (the alarm-receiving marks), a table per severity,
// and the same rows as CSV for regulators. Drawn with SVG attributes only (the console's CSP allows no inline styles).
// Per team, an alert counts for every team with a member it was delivered to; the rest are under "no team".

import { t } from './i18n.js';
import { bindPanel } from './panel-toggle.js';

const SVG = 'http://www.w3.org/2000/svg';
const DAY_MS = 24 * 60 * 60 * 1000;

export class ReportsView {
  /**
   * @param {{api: ReturnType<import('./api.js').createApi>, apiBase: string,
   *          elements: {button: HTMLButtonElement, panel: HTMLElement, title: HTMLElement, close: HTMLButtonElement,
   *                     grouping: HTMLSelectElement, groupHeader: HTMLElement, state: HTMLElement, chart: HTMLElement,
   *                     table: HTMLTableSectionElement, csv: HTMLButtonElement}}} options
   */
  constructor({ api, apiBase, elements }) {
    this.api = api;
    this.apiBase = apiBase;
    this.elements = elements;
    this.body = null;
    this.panel = bindPanel(elements, () => this.load());
    elements.grouping.addEventListener('change', () => this.load());
    elements.csv.addEventListener('click', () => this.downloadCsv());
  }

  /** Managers and admins see the button; the API refuses caregivers anyway. */
  showFor(role) {
    this.elements.button.hidden = !(role === 'admin' || role === 'manager');
  }

  query() {
    const groupBy = GROUPINGS.includes(this.elements.grouping.value) ? this.elements.grouping.value : 'month';
    const to = new Date();
    // Teams over the weekly view's 12 weeks: recent enough to be about the people in them now.
    const from = new Date(to.getTime() - (groupBy === 'month' ? 365 : 12 * 7) * DAY_MS);
    return `from=${encodeURIComponent(from.toISOString())}&to=${encodeURIComponent(to.toISOString())}&groupBy=${groupBy}`;
  }

  async load() {
    this.showState(t('attemptsLoading'));
    try {
      this.body = await this.api.get(`/v1/reports/response-times?${this.query()}`);
      this.render();
    } catch (error) {
      this.showState(t('attemptsFailed', { message: error instanceof Error ? error.message : String(error) }));
    }
  }

  render() {
    if (!this.body) return;
    const rows = Array.isArray(this.body.rows) ? this.body.rows : [];
    const labels = this.body.groupBy === 'team' ? TEAM_LABELS : PERIOD_LABELS;
    // data-i18n too, so switching the language keeps the header of what is shown.
    this.elements.groupHeader.dataset.i18n = labels.header;
    this.elements.groupHeader.textContent = t(labels.header);
    this.showState(rows.length ? '' : t('reportEmpty'));
    this.elements.chart.replaceChildren(...(rows.length ? [chart(groupsOf(rows, labels))] : []));
    this.elements.table.replaceChildren(...rows.map((row) => tableRow(row, labels.of(row))));
  }

  async downloadCsv() {
    const token = await this.api.accessToken();
    const response = await fetch(`${this.apiBase}/v1/reports/response-times?${this.query()}`, {
      headers: { accept: 'text/csv', authorization: `Bearer ${token}` },
    });
    if (!response.ok) return this.showState(t('attemptsFailed', { message: `HTTP ${response.status}` }));
    const url = URL.createObjectURL(new Blob([await response.text()], { type: 'text/csv' }));
    const link = document.createElement('a');
    link.href = url;
    link.download = 'response-times.csv';
    link.click();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  }

  showState(text) {
    this.elements.state.textContent = text;
    this.elements.state.hidden = !text;
  }
}

const GROUPINGS = ['month', 'week', 'team'];

/** How a group is named: the table's header key, a row's label, and the chart's short form of it. */
const PERIOD_LABELS = {
  header: 'reportPeriod',
  of: (row) => row.group ?? '—',
  short: (label) => label.slice(0, 7),
};
const TEAM_LABELS = {
  header: 'reportTeam',
  // The alerts told to no team's member are the null group.
  of: (row) => (row.group === null ? t('reportNoTeam') : (row.groupName ?? row.group)),
  short: (label) => (label.length > 10 ? `${label.slice(0, 9)}…` : label),
};

/** Per group, every severity together: the share of all its alerts acknowledged within 60 s and within 180 s. */
function groupsOf(rows, labels) {
  const groups = new Map();
  for (const row of rows) {
    const group = groups.get(row.group) ?? {
      group: row.group,
      label: labels.of(row),
      short: labels.short(labels.of(row)),
      alerts: 0,
      within60: 0,
      within180: 0,
    };
    group.alerts += row.alerts;
    group.within60 += (row.alerts * (row.ackWithin60sPct ?? 0)) / 100;
    group.within180 += (row.alerts * (row.ackWithin180sPct ?? 0)) / 100;
    groups.set(row.group, group);
  }
  return [...groups.values()].map((group) => ({
    group: group.group,
    label: group.label,
    short: group.short,
    pct60: group.alerts ? (100 * group.within60) / group.alerts : 0,
    pct180: group.alerts ? (100 * group.within180) / group.alerts : 0,
  }));
}

function chart(groups) {
  const width = 700;
  const height = 160;
  const plot = 130;
  // At most 13 months, 12 weeks or the teams; a few groups keep narrow bars rather than filling the width.
  const slot = Math.min(width / groups.length, 90);
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', t('reportChartLabel'));
  svg.classList.add('report-chart');
  const line = document.createElementNS(SVG, 'line');
  // The 97.5 % mark (UK telecare code: calls answered within 60 s).
  const mark = plot - (97.5 / 100) * plot;
  for (const [name, value] of Object.entries({ x1: 0, x2: width, y1: mark, y2: mark })) line.setAttribute(name, value);
  line.setAttribute('stroke', '#6b7280');
  line.setAttribute('stroke-dasharray', '4 4');
  svg.append(line);
  for (const [index, group] of groups.entries()) {
    const x = index * slot;
    for (const [offset, pct, fill, key] of [
      [0.15, group.pct60, '#0b5cad', 'reportWithin60'],
      [0.5, group.pct180, '#7fb3e8', 'reportWithin180'],
    ]) {
      const bar = document.createElementNS(SVG, 'rect');
      const barHeight = (pct / 100) * plot;
      bar.setAttribute('x', String(x + slot * offset));
      bar.setAttribute('y', String(plot - barHeight));
      bar.setAttribute('width', String(slot * 0.33));
      bar.setAttribute('height', String(barHeight));
      bar.setAttribute('fill', fill);
      bar.dataset.group = group.group ?? '';
      bar.dataset.pct = pct.toFixed(1);
      const title = document.createElementNS(SVG, 'title');
      title.textContent = `${group.label} · ${t(key)} ${pct.toFixed(1)} %`;
      bar.append(title);
      svg.append(bar);
    }
    const label = document.createElementNS(SVG, 'text');
    label.setAttribute('x', String(x + slot / 2));
    label.setAttribute('y', String(height - 8));
    label.setAttribute('text-anchor', 'middle');
    label.setAttribute('font-size', '12');
    // A period's month (YYYY-MM) or a team name's start; the bars' titles have the whole.
    label.textContent = group.short;
    svg.append(label);
  }
  return svg;
}

function tableRow(row, label) {
  const tr = document.createElement('tr');
  const seconds = (value) => (value === null || value === undefined ? '—' : `${Math.round(value)} s`);
  const pct = (value) => (value === null || value === undefined ? '—' : `${value} %`);
  for (const text of [
    label,
    t(`severity.${row.severity}`),
    String(row.alerts),
    pct(row.ackWithin60sPct),
    pct(row.ackWithin180sPct),
    seconds(row.medianAckSeconds),
    seconds(row.p90AckSeconds),
    String(row.escalated),
    String(row.reachedNobody),
  ]) {
    const cell = document.createElement('td');
    cell.textContent = text;
    tr.append(cell);
  }
  return tr;
}
