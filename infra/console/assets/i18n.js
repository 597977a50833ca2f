// Korean (default: the users are Korean care workers) and English labels. Static text carries data-i18n keys;
// code calls t(key, values).
const dictionaries = {
  ko: {
    skipToContent: '본문으로 건너뛰기',
    consoleTitle: '관제 콘솔',
    loginTitle: '직원 로그인',
    loginHint: '센터에서 받은 이메일과 비밀번호로 로그인하세요.',
    email: '이메일',
    password: '비밀번호',
    orgOptional: '기관 ID (여러 기관에 속한 경우)',
    orgId: '기관 ID',
    login: '로그인',
    loggingIn: '로그인 중…',
    logout: '로그아웃',
    loginFailed: '이메일 또는 비밀번호가 올바르지 않습니다.',
    loginRateLimited: '시도가 너무 많습니다. 잠시 후 다시 시도하세요.',
    networkError: '서버에 연결할 수 없습니다.',
    liveAlerts: '실시간 알림',
    noAlerts: '열린 알림이 없습니다.',
    residents: '담당 어르신',
    searchResidents: '어르신 검색',
    noResidents: '표시할 어르신이 없습니다.',
    close: '닫기',
    activity7d: '최근 7일 활동',
    assignedStaff: '담당자',
    liveCamera: '실시간 카메라',
    stopCamera: '카메라 닫기',
    acknowledge: '확인(응답)',
    acknowledged: '응답 완료',
    acknowledging: '응답 전송 중…',
    ackFailed: '응답이 확인되지 않았습니다. 다시 눌러 주세요.',
    resolve: '해결',
    resolveConfirm: '해결 처리',
    resolveNote: '조치 내용 (필수)',
    resolveOutcome: '처리 결과',
    cancel: '취소',
    openCamera: '카메라',
    profile: '프로필',
    soundOn: '소리 켜짐',
    soundOff: '소리 꺼짐',
    'connection.connecting': '연결 중',
    'connection.live': '실시간 연결됨',
    'connection.reconnecting': '재연결 중…',
    'connection.offline': '연결 끊김',
    'severity.critical': '긴급',
    'severity.high': '높음',
    'severity.medium': '보통',
    'severity.low': '낮음',
    'status.open': '미응답',
    'status.acknowledged': '응답됨',
    'status.resolved': '해결됨',
    alertMeta: '{resident} · {time} · {status}',
    acknowledgedBy: '{name}님이 응답',
    escalated: '상위 단계로 전달됨',
    retriggered: '다시 발생함',
    'camera.connecting': '카메라 연결 중…',
    'camera.live': '실시간 영상',
    'camera.stalled': '영상이 멈췄습니다. 다시 연결하는 중…',
    'camera.offline': '카메라가 오프라인입니다.',
    'camera.ended': '영상이 종료되었습니다.',
    noCamera: '이 어르신의 카메라가 등록되어 있지 않습니다.',
    events: '이벤트',
    activityCaption: '시간별 센서 이벤트, 합계 {total}건',
    noActivity: '최근 7일 활동 기록이 없습니다.',
    birthDate: '생년월일',
    address: '주소',
    phone: '연락처',
    lastActivity: '마지막 활동',
    openAlerts: '열린 알림',
    serverError: '오류: {message}',
    pushSettings: '휴대폰 알림',
    pushTitle: '휴대폰 알림',
    pushHint: '콘솔을 닫아도 이 기기로 알림을 받고, 알림에서 바로 응답할 수 있습니다.',
    'push.loading': '확인 중…',
    'push.busy': '설정 중…',
    'push.unsupported':
      '이 브라우저는 휴대폰 알림을 받을 수 없습니다. iPhone에서는 홈 화면에 추가한 앱에서 켤 수 있습니다.',
    'push.unavailable': '서버에 휴대폰 알림이 아직 설정되지 않았습니다.',
    'push.denied': '알림이 차단되어 있습니다. 브라우저의 사이트 설정에서 알림을 허용한 뒤 다시 시도하세요.',
    'push.off': '이 기기에서는 꺼져 있습니다.',
    'push.on': '이 기기에서 켜져 있습니다.',
    'push.error': '설정하지 못했습니다: {message}',
    pushTimeout: '푸시 서비스가 응답하지 않습니다',
    pushEnable: '이 기기에서 켜기',
    pushDisable: '이 기기에서 끄기',
    pushDevices: '알림 받는 기기',
    pushNoDevices: '등록된 기기가 없습니다.',
    rulesTitle: '알림 규칙',
    rulesHint: '대시보드 알림은 항상 켜져 있습니다. 위험도별로 휴대폰 알림을 언제 보낼지 정합니다.',
    rulesLoading: '규칙을 불러오는 중…',
    rulesSaving: '저장 중…',
    rulesSaved: '저장했습니다.',
    rulesFailed: '규칙을 처리하지 못했습니다: {message}',
    rulesMine: '내 규칙',
    rulesOrganisation: '기관 규칙 (관리자)',
    'rulesSource.mine': '내 규칙',
    'rulesSource.organisation': '기관 규칙',
    'rulesSource.default': '기본값',
    rulesOn: '보내기',
    rulesDelay: '몇 초 뒤에 보낼지',
    rulesSecondsAfter: '초 뒤',
    rulesUnlessReceived: '그 전에 받았으면 보내지 않음',
    rulesSave: '저장',
    rulesReset: '내 규칙 지우기',
    pushThisDevice: '이 기기',
    pushUnknownDevice: '알 수 없는 기기',
    pushRemove: '삭제',
    pushDeviceAdded: '{time} 등록',
    pushDeviceLastSent: '최근 전송 {time}',
    pushDeviceNeverSent: '전송 기록 없음',
    attemptsTitle: '누구에게 어떻게 알렸나',
    attemptsLoading: '불러오는 중…',
    attemptsEmpty: '아직 알린 사람이 없습니다.',
    attemptsFailed: '불러오지 못했습니다. ({message})',
    'channel.dashboard': '대시보드',
    'channel.push': '휴대폰 알림',
    'channel.webhook': '연동(웹훅)',
    'attempt.queued': '대기',
    'attempt.sent': '전송됨',
    'attempt.delivered': '수신됨',
    'attempt.failed': '실패',
    'attempt.cancelled': '취소됨',
    'delivery.pending': '대기',
    'delivery.sent': '전송됨',
    'delivery.delivered': '수신됨',
    'delivery.acknowledged': '응답함',
    'delivery.failed': '실패',
    'delivery.superseded': '대체됨',
    deliveryAcknowledgedAt: '{time} 응답',
    deliveryNotAcknowledged: '미응답',
    attemptDue: '{time} 예정',
    escalationStep: '{level}단계',
  },
  en: {
    skipToContent: 'Skip to content',
    consoleTitle: 'Staff console',
    loginTitle: 'Staff sign-in',
    loginHint: 'Sign in with the email and password your care centre gave you.',
    email: 'Email',
    password: 'Password',
    orgOptional: 'Organisation ID (if you belong to several)',
    orgId: 'Organisation ID',
    login: 'Sign in',
    loggingIn: 'Signing in…',
    logout: 'Sign out',
    loginFailed: 'The email or password is not correct.',
    loginRateLimited: 'Too many attempts. Please wait and try again.',
    networkError: 'Cannot reach the server.',
    liveAlerts: 'Live alerts',
    noAlerts: 'No open alerts.',
    residents: 'My residents',
    searchResidents: 'Search residents',
    noResidents: 'No residents to show.',
    close: 'Close',
    activity7d: 'Activity, last 7 days',
    assignedStaff: 'Assigned staff',
    liveCamera: 'Live camera',
    stopCamera: 'Close camera',
    acknowledge: 'Acknowledge',
    acknowledged: 'Acknowledged',
    acknowledging: 'Acknowledging…',
    ackFailed: 'Acknowledgement not confirmed; press again.',
    resolve: 'Resolve',
    resolveConfirm: 'Mark resolved',
    resolveNote: 'What was done (required)',
    resolveOutcome: 'Outcome',
    cancel: 'Cancel',
    openCamera: 'Camera',
    profile: 'Profile',
    soundOn: 'Sound on',
    soundOff: 'Sound off',
    'connection.connecting': 'Connecting',
    'connection.live': 'Live',
    'connection.reconnecting': 'Reconnecting…',
    'connection.offline': 'Offline',
    'severity.critical': 'Critical',
    'severity.high': 'High',
    'severity.medium': 'Medium',
    'severity.low': 'Low',
    'status.open': 'Unanswered',
    'status.acknowledged': 'Acknowledged',
    'status.resolved': 'Resolved',
    alertMeta: '{resident} · {time} · {status}',
    acknowledgedBy: 'Acknowledged by {name}',
    escalated: 'Escalated',
    retriggered: 'Re-triggered',
    'camera.connecting': 'Connecting to the camera…',
    'camera.live': 'Live video',
    'camera.stalled': 'Video stalled; reconnecting…',
    'camera.offline': 'The camera is offline.',
    'camera.ended': 'The stream has ended.',
    noCamera: 'No camera is registered for this resident.',
    events: 'events',
    activityCaption: 'Sensor events per hour, {total} in total',
    noActivity: 'No activity recorded in the last 7 days.',
    birthDate: 'Date of birth',
    address: 'Address',
    phone: 'Phone',
    lastActivity: 'Last activity',
    openAlerts: 'Open alerts',
    serverError: 'Error: {message}',
    pushSettings: 'Phone alerts',
    pushTitle: 'Phone notifications',
    pushHint: 'Get alerts on this device with the console closed, and acknowledge them from the notification.',
    'push.loading': 'Checking…',
    'push.busy': 'Working…',
    'push.unsupported':
      'This browser cannot receive phone notifications. On an iPhone, add the console to the Home Screen and turn them on there.',
    'push.unavailable': 'Phone notifications are not set up on the server yet.',
    'push.denied': "Notifications are blocked. Allow them in the browser's site settings, then try again.",
    'push.off': 'Off on this device.',
    'push.on': 'On for this device.',
    'push.error': 'Could not change the setting: {message}',
    pushTimeout: 'the push service did not answer',
    pushEnable: 'Turn on for this device',
    pushDisable: 'Turn off for this device',
    pushDevices: 'Devices that get alerts',
    pushNoDevices: 'No devices yet.',
    rulesTitle: 'Notification rules',
    rulesHint: 'Dashboard alerts are always on. Per severity, choose when a phone notification follows.',
    rulesLoading: 'Loading rules…',
    rulesSaving: 'Saving…',
    rulesSaved: 'Saved.',
    rulesFailed: 'Could not handle the rule: {message}',
    rulesMine: 'My rules',
    rulesOrganisation: 'Organisation rules (admins)',
    'rulesSource.mine': 'my rule',
    'rulesSource.organisation': 'organisation rule',
    'rulesSource.default': 'default',
    rulesOn: 'send',
    rulesDelay: 'Seconds to wait',
    rulesSecondsAfter: 's after',
    rulesUnlessReceived: 'skip if received by then',
    rulesSave: 'Save',
    rulesReset: 'Remove my rule',
    pushThisDevice: 'this device',
    pushUnknownDevice: 'Unknown device',
    pushRemove: 'Remove',
    pushDeviceAdded: 'added {time}',
    pushDeviceLastSent: 'last sent {time}',
    pushDeviceNeverSent: 'nothing sent yet',
    attemptsTitle: 'Who was told, how',
    attemptsLoading: 'Loading…',
    attemptsEmpty: 'Nobody has been told yet.',
    attemptsFailed: 'Could not load ({message}).',
    'channel.dashboard': 'Dashboard',
    'channel.push': 'Push',
    'channel.webhook': 'Webhook',
    'attempt.queued': 'queued',
    'attempt.sent': 'sent',
    'attempt.delivered': 'delivered',
    'attempt.failed': 'failed',
    'attempt.cancelled': 'cancelled',
    'delivery.pending': 'pending',
    'delivery.sent': 'sent',
    'delivery.delivered': 'received',
    'delivery.acknowledged': 'acknowledged',
    'delivery.failed': 'failed',
    'delivery.superseded': 'superseded',
    deliveryAcknowledgedAt: 'acknowledged {time}',
    deliveryNotAcknowledged: 'not acknowledged',
    attemptDue: 'due {time}',
    escalationStep: 'step {level}',
  },
};

const STORAGE_KEY = 'carewatch.language';
let language = localStorage.getItem(STORAGE_KEY) === 'en' ? 'en' : 'ko';
const listeners = new Set();

export function currentLanguage() {
  return language;
}

/** The label for `key` in the current language, with `{name}` placeholders filled from `values`. */
export function t(key, values = {}) {
  const template = dictionaries[language][key] ?? dictionaries.ko[key] ?? key;
  return template.replace(/\{(\w+)\}/g, (_, name) => String(values[name] ?? ''));
}

export function setLanguage(next) {
  language = next === 'en' ? 'en' : 'ko';
  localStorage.setItem(STORAGE_KEY, language);
  applyTranslations(document);
  for (const listener of listeners) listener(language);
}

/** Labels of the API's stable codes (alert kinds, outcomes), from GET /v1/alert-texts: the server keeps one source. */
let codeLabels = null;

export function setCodeLabels(labels) {
  codeLabels = labels;
}

/** The label of `code` in `group` ('kinds', 'outcomes') in the current language; undefined before they loaded. */
export function codeLabel(group, code) {
  return codeLabels?.[group]?.[code]?.[language];
}

export function onLanguageChange(listener) {
  listeners.add(listener);
}

/** Fills every [data-i18n] element's text and [data-i18n-placeholder] placeholder under `root`. */
export function applyTranslations(root) {
  document.documentElement.lang = language;
  for (const element of root.querySelectorAll('[data-i18n]')) element.textContent = t(element.dataset.i18n);
  for (const element of root.querySelectorAll('[data-i18n-placeholder]')) {
    element.placeholder = t(element.dataset.i18nPlaceholder);
  }
}

/** A clock time to the second (14:02:03), for when each delivery attempt last changed. */
export function formatClock(iso) {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(language === 'ko' ? 'ko-KR' : 'en-GB', {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));
}

export function formatDate(iso) {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(language === 'ko' ? 'ko-KR' : 'en-GB', { dateStyle: 'medium' }).format(new Date(iso));
}

export function formatTime(iso) {
  if (!iso) return '—';
  return new Intl.DateTimeFormat(language === 'ko' ? 'ko-KR' : 'en-GB', {
    dateStyle: 'medium',
    timeStyle: 'medium',
  }).format(new Date(iso));
}
