// The staff console: sign in, then live alerts over the WebSocket, residents with their activity, the live camera
// of a resident with an open alert, and phone notifications through the service worker (sw.js).

import { setSoundEnabled, soundEnabled, unlockAudio } from './alarm.js';
import { AlertSocket } from './alert-socket.js';
import { AlertBoard } from './alerts-view.js';
import { ApiError, createApi } from './api.js';
import { CameraViewer } from './camera.js';
import { loadConfig } from './config.js';
import { applyTranslations, currentLanguage, onLanguageChange, setCodeLabels, setLanguage, t } from './i18n.js';
import { OnCallView } from './on-call-view.js';
import { PushSettings } from './push-settings.js';
import { ReportsView } from './reports-view.js';
import { ResidentsView } from './residents-view.js';
import { RulesView } from './rules-view.js';
import { SettingsView } from './settings-view.js';

const $ = (id) => document.getElementById(id);

const config = await loadConfig();
const api = createApi(config.apiBase);
const serviceWorker = registerServiceWorker();
let socket = null;
let board = null;
let camera = null;
let connectionState = { state: 'offline' };
/** An alert to bring into view once it is on the board: from ?alert=<id> (a notification opened a new window). */
let wantedAlert = takeAlertParameter();

const pushSettings = new PushSettings({
  api,
  registration: serviceWorker,
  language: currentLanguage,
  elements: {
    button: $('push-settings'),
    panel: $('push-panel'),
    title: $('push-title'),
    close: $('push-close'),
    state: $('push-state'),
    toggle: $('push-toggle'),
    devices: $('push-devices'),
    empty: $('push-devices-empty'),
  },
});

const reports = new ReportsView({
  api,
  apiBase: config.apiBase,
  elements: {
    button: $('reports-button'),
    panel: $('reports-panel'),
    title: $('reports-title'),
    close: $('reports-close'),
    grouping: $('report-grouping'),
    groupHeader: $('report-group-header'),
    state: $('report-state'),
    chart: $('report-chart'),
    table: $('report-rows'),
    csv: $('report-csv'),
  },
});

const onCall = new OnCallView({
  api,
  elements: {
    button: $('oncall-button'),
    panel: $('oncall-panel'),
    title: $('oncall-title'),
    close: $('oncall-close'),
    when: $('oncall-when'),
    at: $('oncall-at'),
    now: $('oncall-now'),
    clock: $('oncall-clock'),
    state: $('oncall-state'),
    teams: $('oncall-teams'),
    overrides: {
      section: $('overrides'),
      form: $('override-form'),
      list: $('override-list'),
      status: $('override-status'),
    },
  },
});

const organisationSettings = new SettingsView({
  api,
  elements: {
    button: $('settings-button'),
    panel: $('settings-panel'),
    title: $('settings-title'),
    close: $('settings-close'),
    ladders: $('settings-ladders'),
    settings: $('settings-form'),
    status: $('settings-status'),
  },
});

const rules = new RulesView({ api, elements: { list: $('rules-list'), status: $('rules-status') } });
$('push-settings').addEventListener('click', () => {
  if (!$('push-panel').hidden) rules.refresh();
});

const residents = new ResidentsView({
  api,
  elements: {
    list: $('resident-list'),
    empty: $('residents-empty'),
    filter: $('resident-filter'),
    panel: $('profile'),
    title: $('profile-title'),
    close: $('profile-close'),
    facts: $('profile-facts'),
    staff: $('profile-staff'),
    chart: $('activity-chart'),
    caption: $('activity-caption'),
  },
});
$('profile-title').tabIndex = -1;

applyTranslations(document);
renderLanguageButton();
onLanguageChange(() => {
  renderLanguageButton();
  renderConnection();
  renderSoundButton();
  board?.renderAll();
  residents.renderList();
  residents.renderProfile();
  pushSettings.render();
  reports.render();
  onCall.render();
  saveLanguage();
});

$('language').addEventListener('click', () => setLanguage(currentLanguage() === 'ko' ? 'en' : 'ko'));
$('sound-toggle').addEventListener('click', () => {
  unlockAudio();
  setSoundEnabled(!soundEnabled());
  renderSoundButton();
});
$('logout').addEventListener('click', () => {
  api.logout({ pushEndpoint: pushSettings.endForSignOut() });
  showLogin();
});
$('login-form').addEventListener('submit', onLogin);
$('camera-stop').addEventListener('click', () => {
  camera?.stop();
  $('camera').hidden = true;
});

if (api.session) showDashboard();
else showLogin();

async function onLogin(event) {
  event.preventDefault();
  unlockAudio();
  const error = $('login-error');
  const submit = $('login-submit');
  error.hidden = true;
  submit.disabled = true;
  submit.textContent = t('loggingIn');
  try {
    await api.login($('email').value.trim(), $('password').value, $('org-id').value.trim() || undefined);
    $('password').value = '';
    showDashboard();
  } catch (failure) {
    error.textContent = loginMessage(failure);
    error.hidden = false;
    $('password').focus();
  } finally {
    submit.disabled = false;
    submit.textContent = t('login');
  }
}

function loginMessage(failure) {
  if (!(failure instanceof ApiError)) return t('networkError');
  if (failure.status === 429) return t('loginRateLimited');
  if (failure.status === 401 || failure.status === 422 || failure.status === 400) return t('loginFailed');
  return t('serverError', { message: failure.message });
}

function showLogin() {
  socket?.stop();
  socket = null;
  camera = null;
  board?.clear();
  $('login-view').hidden = false;
  $('dashboard-view').hidden = true;
  for (const id of [
    'logout',
    'who',
    'connection',
    'sound-toggle',
    'push-settings',
    'oncall-button',
    'reports-button',
    'settings-button',
  ]) {
    $(id).hidden = true;
  }
  // Closed through their toggles, so each button says it is closed again for whoever signs in next.
  for (const view of [pushSettings, onCall, reports, organisationSettings]) view.panel.close();
  $('email').focus();
}

function showDashboard() {
  const staff = api.session.staff;
  $('login-view').hidden = true;
  $('dashboard-view').hidden = false;
  for (const id of ['logout', 'who', 'connection', 'sound-toggle', 'push-settings']) $(id).hidden = false;
  $('who').textContent = staff.name;
  onCall.showFor(staff.role);
  reports.showFor(staff.role);
  organisationSettings.showFor(staff.role);
  renderSoundButton();

  socket = new AlertSocket({
    url: config.wsUrl,
    staffId: staff.id,
    accessToken: () => api.accessToken(),
    refreshNow: () => api.refreshNow(),
    resumePoint: () => resumePoint(staff.id),
  });
  board = new AlertBoard({
    list: $('alert-list'),
    empty: $('alerts-empty'),
    count: $('alert-count'),
    template: $('alert-template'),
    send: (frame) => socket.send(frame),
    onOpenCamera: (alert) => openCamera(alert),
    onOpenResident: (residentId) => residents.open(residentId),
    api,
  });
  // Alert kinds and outcomes in the reader's language (the API keeps codes); until they load, the alert's own title.
  api
    .get('/v1/alert-texts')
    .then((labels) => {
      setCodeLabels(labels);
      board?.renderAll();
    })
    .catch(() => {});
  camera = new CameraViewer({ socket, video: $('camera-video'), onState: renderCameraState });
  socket.addEventListener('state', (event) => {
    connectionState = event.detail;
    renderConnection();
  });
  socket.addEventListener('alert', (event) => {
    board.addDelivery(event.detail);
    if (wantedAlert && board.reveal(wantedAlert)) wantedAlert = null;
  });
  socket.addEventListener('alert.updated', (event) => {
    board.update(event.detail);
    if (replayComplete) saveBoardFloor(staff.id);
  });
  // Once a replay is complete the board holds every alert still open: remember where it starts for a reload.
  socket.addEventListener('resumed', () => saveBoardFloor(staff.id));
  socket.addEventListener('alert', () => {
    if (replayComplete) saveBoardFloor(staff.id);
  });
  socket.addEventListener('welcome', () => {
    replayComplete = false;
    board.resendAcks();
  });
  socket.addEventListener('error', (event) => board.onError(event.detail));
  socket.addEventListener('auth-lost', () => showLogin());
  socket.start();
  residents.load();
  $('main').focus();
}

/**
 * sw.js sits in the console's root, so its scope is the whole console. Where it cannot register (no service worker
 * support, not a secure context, a certificate the browser does not trust) the console works as before, without
 * phone notifications.
 */
function registerServiceWorker() {
  if (!('serviceWorker' in navigator) || !window.isSecureContext) return Promise.resolve(null);
  // A notification opened while this window is open: the worker asks it to show the alert.
  navigator.serviceWorker.addEventListener('message', (event) => {
    if (event.data?.type !== 'carewatch:open-alert' || !event.data.alertId) return;
    wantedAlert = event.data.alertId;
    if (board?.reveal(wantedAlert)) wantedAlert = null;
  });
  return navigator.serviceWorker.register('sw.js', { updateViaCache: 'none' }).catch((error) => {
    console.warn(`service worker not registered: ${error.message}`);
    return null;
  });
}

function takeAlertParameter() {
  const url = new URL(location.href);
  const alertId = url.searchParams.get('alert');
  if (!alertId) return null;
  url.searchParams.delete('alert');
  history.replaceState(history.state, '', url);
  return alertId;
}

/**
 * The server writes phone notifications in the person's language: tell it when they switch. A server without the
 * route yet (404/405) is fine; the console's own language is kept in this browser either way.
 */
function saveLanguage() {
  if (!api.session) return;
  api.patch('/v1/me', { language: currentLanguage() }).catch((error) => {
    if (error instanceof ApiError && (error.status === 404 || error.status === 405)) return;
    console.warn(`language not saved on the server: ${error.message}`);
  });
}

let replayComplete = false;
const floorKey = (staffId) => `carewatch.boardFloor.${staffId}`;

/**
 * Where a (re)connect resumes: just below the oldest alert still on the board (saved after each complete replay and
 * each alert since), so the replay re-sends those with their current state (acknowledged by a colleague meanwhile,
 * resolved) and everything after. A new tab has nothing saved and resumes from 0: open alerts delivered before
 * sign-in appear too.
 */
function resumePoint(staffId) {
  const stored = Number(sessionStorage.getItem(floorKey(staffId)) ?? Number.NaN);
  return Number.isInteger(stored) ? stored : 0;
}

function saveBoardFloor(staffId) {
  replayComplete = true;
  const lastSeq = socket?.lastSeq ?? 0;
  sessionStorage.setItem(floorKey(staffId), String(Math.min(board?.floorSeq() ?? lastSeq, lastSeq)));
}

async function openCamera(alert) {
  $('camera').hidden = false;
  $('camera-title').focus();
  try {
    const found = await residents.cameraFor(alert.residentId);
    if (!found) return renderCameraState('none');
    camera.watch(found.id);
  } catch {
    renderCameraState('offline');
  }
}

function renderCameraState(state, reason) {
  const element = $('camera-state');
  element.dataset.state = state;
  element.textContent = state === 'none' ? t('noCamera') : t(`camera.${state}`) + (reason ? ` (${reason})` : '');
}

function renderConnection() {
  const element = $('connection');
  element.dataset.state = connectionState.state;
  $('connection-text').textContent = t(`connection.${connectionState.state}`);
}

function renderSoundButton() {
  const button = $('sound-toggle');
  button.setAttribute('aria-pressed', String(soundEnabled()));
  button.textContent = soundEnabled() ? t('soundOn') : t('soundOff');
}

function renderLanguageButton() {
  const button = $('language');
  const toEnglish = currentLanguage() === 'ko';
  button.textContent = toEnglish ? 'English' : '한국어';
  button.lang = toEnglish ? 'en' : 'ko';
  button.setAttribute('aria-label', toEnglish ? 'Switch to English' : '한국어로 전환');
}
