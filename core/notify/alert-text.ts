import type { AlertKind, AlertOutcome, AlertSeverity } from '../../db/schema/alerts';

export type Language = 'ko' | 'en';

const kindText: Record<AlertKind, Record<Language, string>> = {
  sos: { ko: '응급 호출 버튼', en: 'Emergency button pressed' },
  call_119: { ko: '119 신고', en: '119 call placed' },
  fall: { ko: '낙상 감지', en: 'Fall detected' },
  fire: { ko: '화재 감지', en: 'Fire detected' },
  gas: { ko: '가스 누출 감지', en: 'Gas leak detected' },
  heart_rate: { ko: '심박수 이상', en: 'Heart rate out of range' },
  breathing: { ko: '호흡수 이상', en: 'Breathing rate out of range' },
  temperature: { ko: '실내 온도 이상', en: 'Room temperature out of range' },
  door_at_night: { ko: '야간 출입문 열림', en: 'Door opened at night' },
  low_battery: { ko: '기기 배터리 부족', en: 'Low device battery' },
  power_cut: { ko: '게이트웨이 전원 차단', en: 'Gateway power cut' },
  hub_no_data: { ko: '게이트웨이 데이터 없음', en: 'Gateway sends no data' },
  hub_offline: { ko: '게이트웨이 연결 끊김', en: 'Gateway offline' },
  no_activity: { ko: '활동 없음', en: 'No activity' },
  sensor_link_lost: { ko: '센서 연결 끊김', en: 'Sensor link lost' },
  device_inspection: { ko: '기기 점검 필요', en: 'Device needs inspection' },
};

/** What the person who resolved an alert found (the handling record's outcome). */
const outcomeText: Record<AlertOutcome, Record<Language, string>> = {
  false_alarm: { ko: '오작동(오경보)', en: 'False alarm' },
  device_fault: { ko: '기기 고장', en: 'Device fault' },
  resident_ok_by_phone: { ko: '전화로 안부 확인', en: 'Resident fine (by phone)' },
  visited: { ko: '방문하여 확인', en: 'Visited' },
  ambulance_119: { ko: '119 출동', en: '119 ambulance' },
  hospitalised: { ko: '병원 이송·입원', en: 'Hospitalised' },
  other: { ko: '기타', en: 'Other' },
};

const severityText: Record<AlertSeverity, Record<Language, string>> = {
  critical: { ko: '긴급', en: 'Critical' },
  high: { ko: '높음', en: 'High' },
  medium: { ko: '보통', en: 'Medium' },
  low: { ko: '낮음', en: 'Low' },
};

const statusText = {
  acknowledged: { ko: '접수됨', en: 'Acknowledged' },
  resolved: { ko: '종료됨', en: 'Resolved' },
} as const;

export function kindLabel(kind: AlertKind, language: Language): string {
  return kindText[kind][language];
}

export function severityLabel(severity: AlertSeverity, language: Language): string {
  return severityText[severity][language];
}

/** Every label the console shows for the API's stable codes: one source for the console, push texts and SMS. */
export function alertTexts() {
  return { kinds: kindText, outcomes: outcomeText, severities: severityText };
}

/** What a phone notification or an SMS says about an alert, in the person's language. */
export interface AlertNotificationText {
  title: string;
  body: string;
}

export function alertNotificationText(
  language: Language,
  alert: {
    kind: AlertKind;
    severity: AlertSeverity;
    status: 'open' | 'acknowledged' | 'resolved';
    residentName: string;
    openedAt: Date;
    timeZone: string;
  },
): AlertNotificationText {
  const time = localTime(alert.openedAt, alert.timeZone, language);
  const resident = language === 'ko' ? `${alert.residentName} 어르신` : alert.residentName;
  const severity = severityLabel(alert.severity, language);
  const kind = kindLabel(alert.kind, language);
  const state = alert.status === 'open' ? '' : ` (${statusText[alert.status][language]})`;
  return { title: `[${severity}] ${kind}${state}`, body: `${resident} · ${time}` };
}

/** One formatter per language and zone: building one costs ~100× formatting with it, and each push needs a time. */
const timeFormats = new Map<string, Intl.DateTimeFormat>();

function timeFormat(language: Language, timeZone: string): Intl.DateTimeFormat {
  const key = `${language} ${timeZone}`;
  let format = timeFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(language === 'ko' ? 'ko-KR' : 'en-GB', {
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hour12: false,
      timeZone,
    });
    timeFormats.set(key, format);
  }
  return format;
}

function localTime(at: Date, timeZone: string, language: Language): string {
  try {
    return timeFormat(language, timeZone).format(at);
  } catch {
    // An unknown zone in the organisation's settings: the product's default zone rather than no time at all.
    return timeFormat(language, 'Asia/Seoul').format(at);
  }
}
