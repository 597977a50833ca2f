// Who is on call for each team, now or at a time the reader picks (GET /v1/on-call?at=), and the stretches of the
// week each team's rotations leave uncovered (GET /v1/teams). Every staff role opens it; managers and admins also
// get the overrides editor below it. The picked time is read in this browser's time zone and sent with its offset;
// the organisation's local time is shown beside it, because rotations and shifts are written in that zone.

import { allItems, refusalMessage } from './api.js';
import { formatMinute, t, weekdayName } from './i18n.js';
import { browserZoneUnlike, fromLocalInput, offsetIso, zoneSuffix } from './local-time.js';
import { OverrideEditor } from './override-editor.js';
import { bindPanel } from './panel-toggle.js';

const MINUTES_PER_WEEK = 7 * 24 * 60;
/** getUTCDay()'s Sunday-first numbering as the API's weekday codes. */
const DAY_CODES = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export class OnCallView {
  /**
   * @param {{api: ReturnType<import('./api.js').createApi>,
   *          elements: {button: HTMLButtonElement, panel: HTMLElement, title: HTMLElement, close: HTMLButtonElement,
   *                     when: HTMLFormElement, at: HTMLInputElement, now: HTMLButtonElement, clock: HTMLElement,
   *                     state: HTMLElement, teams: HTMLElement,
   *                     overrides: ConstructorParameters<typeof OverrideEditor>[0]['elements']}}} options
   */
  constructor({ api, elements }) {
    this.api = api;
    this.elements = elements;
    /** The instant asked about; null: now. */
    this.at = null;
    this.answer = null;
    this.teams = [];
    this.loads = 0;
    this.overrides = new OverrideEditor({ api, elements: elements.overrides, onChange: () => this.load() });
    this.panel = bindPanel(elements, () => this.load());
    elements.when.addEventListener('submit', (event) => {
      event.preventDefault();
      this.at = fromLocalInput(elements.at.value);
      this.load();
    });
    elements.now.addEventListener('click', () => {
      elements.at.value = '';
      this.at = null;
      this.load();
    });
  }

  /** Every staff member sees who is on call; managers and admins may also change it. */
  showFor(role) {
    this.elements.button.hidden = false;
    this.overrides.showFor(role);
    // Nothing of the previous session's answer stays for this one to see before its own arrives.
    this.answer = null;
    this.elements.clock.textContent = '';
    this.elements.teams.replaceChildren();
  }

  async load() {
    const load = ++this.loads;
    this.showState(t('attemptsLoading'));
    const query = this.at ? `?at=${encodeURIComponent(offsetIso(this.at))}` : '';
    try {
      const [answer, teams] = await Promise.all([
        this.api.get(`/v1/on-call${query}`),
        allItems(this.api, '/v1/teams?sort=name'),
      ]);
      await this.overrides.load(teams);
      // An older answer arriving late (the reader asked again meanwhile) never replaces a newer one.
      if (load !== this.loads) return;
      this.answer = answer;
      this.teams = teams;
      this.showState('');
      this.render();
    } catch (error) {
      if (load === this.loads) this.showState(t('attemptsFailed', { message: refusalMessage(error) }));
    }
  }

  render() {
    if (!this.answer) return;
    const { answer } = this;
    this.elements.clock.textContent = t('onCallClock', {
      when: this.at ? formatMinute(this.at) + zoneSuffix(browserZoneUnlike(answer.timeZone)) : t('onCallNow'),
      time: wallClock(answer.localTime),
      zone: answer.timeZone,
    });
    const gaps = new Map(this.teams.map((team) => [team.id, team.coverageGaps ?? []]));
    const cards = answer.teams.map((team) => this.teamCard(team, gaps.get(team.id) ?? []));
    this.elements.teams.replaceChildren(...(cards.length ? cards : [note('empty', t('onCallNoTeams'))]));
    this.overrides.render(answer.timeZone);
  }

  teamCard(team, gaps) {
    const card = document.createElement('article');
    card.className = 'oncall-team';
    card.dataset.teamId = team.id;
    const name = document.createElement('h3');
    name.textContent = team.name;
    card.append(name);
    if (team.onCall.length === 0) card.append(note('empty oncall-nobody', t('onCallNobody')));
    else {
      const people = document.createElement('ul');
      people.className = 'plain-list oncall-people';
      people.append(...team.onCall.map((person) => this.personRow(person)));
      card.append(people);
    }
    if (gaps.length) {
      const list = document.createElement('ul');
      list.className = 'plain-list oncall-gaps';
      for (const gap of gaps) {
        const item = document.createElement('li');
        item.textContent = gapText(gap);
        list.append(item);
      }
      card.append(list);
    }
    return card;
  }

  /** "Kim · Carer · rotation: Weeknights", or "Lee · Carer · override · standing in for Kim". */
  personRow(person) {
    const row = document.createElement('li');
    row.className = 'oncall-person';
    row.dataset.staffId = person.staffId;
    row.dataset.via = person.overrideId ? 'override' : 'rotation';
    const name = document.createElement('strong');
    name.className = 'oncall-name';
    name.textContent = person.name;
    const parts = [t(`role.${person.role}`)];
    if (person.overrideId) {
      parts.push(t('onCallOverride'));
      if (person.replacesStaffId) {
        const replaced = person.replacesName ?? this.overrides.nameOf(person.replacesStaffId) ?? t('onCallColleague');
        parts.push(t('onCallStandsInFor', { name: replaced }));
      }
    } else parts.push(t('onCallViaRotation', { name: person.rotationName ?? '—' }));
    const details = document.createElement('span');
    details.className = 'oncall-via';
    details.textContent = parts.join(' · ');
    row.append(name, details);
    if (!person.active) row.append(note('oncall-inactive', t('onCallInactive')));
    return row;
  }

  showState(text) {
    this.elements.state.textContent = text;
    this.elements.state.hidden = !text;
  }
}

/** "Not covered: Sat 09:00 – Mon 09:00" (the organisation's time zone, as the API reports it). */
function gapText(gap) {
  if (gap.minutes >= MINUTES_PER_WEEK) return t('onCallGapAllWeek');
  return t('onCallGap', {
    from: `${weekdayName(gap.from.day)} ${gap.from.time}`,
    to: `${weekdayName(gap.to.day)} ${gap.to.time}`,
  });
}

/** The API's organisation wall clock YYYY-MM-DDTHH:MM as "2026-12-08 Tue 18:00". */
function wallClock(localTime) {
  const [date = '', time = ''] = String(localTime).split('T');
  const [year, month, day] = date.split('-').map(Number);
  const weekday = DAY_CODES[new Date(Date.UTC(year, month - 1, day)).getUTCDay()];
  return weekday ? `${date} ${weekdayName(weekday)} ${time}` : String(localTime);
}

function note(className, text) {
  const element = document.createElement('p');
  element.className = className;
  element.textContent = text;
  return element;
}
