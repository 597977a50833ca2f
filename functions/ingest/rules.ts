import { detectionDefaults } from '../../db/defaults';
import type { AlertKind, AlertSeverity } from '../../db/schema/alerts';
import type { SensorEventKind } from '../../db/schema/events';
import { type DetectionSettings, isNight } from './settings';

/**
 * THE detection rules, as data: what every sensor event kind means. Read this table to know what raises which
 * alert; `detect.ts` only executes it.
 *
 * - `activity`: the event proves the resident is up and about (resets the no-activity ladder).
 * - `presence`: the event moves the resident out (pauses the ladder) or home.
 * - `effect`:
 *   - `raise`: open (or attach to) an alert of `alert` kind; `when` names a condition below; `perDevice` keys the
 *     alert by device (one low-battery alert per device) instead of by resident.
 *   - `sustained`: a vital sign; alerts when readings stay outside the resident's band (see `sustainedVitals`).
 *   - `clear`: the source cancelled or cleared it; the open alert is marked, stays open for a person to close, and
 *     with `falseAlarm` the device's false-alarm count rises.
 *   - `resolve`: the condition is over by itself; the open alert is resolved by the system.
 *   - `falseAlarm`: the hub reports the device's last alarm as false; counts towards inspection.
 * Silence rules (no activity, hub offline) are time-driven and live in `db/alerts/silence.ts`.
 */
export const eventRules: Record<SensorEventKind, EventRule> = {
  emergency_button: {
    activity: true,
    effect: { type: 'raise', alert: 'sos', severity: 'critical', title: 'Emergency button pressed' },
  },
  emergency_button_cancel: {
    activity: true,
    effect: { type: 'clear', alert: 'sos', note: 'Emergency call cancelled at the hub', falseAlarm: true },
  },
  call_119: {
    activity: true,
    effect: { type: 'raise', alert: 'call_119', severity: 'critical', title: '119 call placed' },
  },
  call_119_cancel: {
    activity: true,
    effect: { type: 'clear', alert: 'call_119', note: '119 call cancelled at the hub', falseAlarm: true },
  },
  fire: { effect: { type: 'raise', alert: 'fire', severity: 'critical', title: 'Fire detected' } },
  smoke: { effect: { type: 'raise', alert: 'fire', severity: 'critical', title: 'Smoke detected' } },
  fire_cleared: { effect: { type: 'clear', alert: 'fire', note: 'Fire sensor reports clear', falseAlarm: false } },
  gas: { effect: { type: 'raise', alert: 'gas', severity: 'critical', title: 'Gas leak detected' } },
  gas_cleared: { effect: { type: 'clear', alert: 'gas', note: 'Gas sensor reports clear', falseAlarm: false } },
  fall: {
    effect: { type: 'raise', alert: 'fall', severity: 'critical', title: 'Fall detected', when: 'confidentFall' },
  },
  door_open: {
    activity: true,
    effect: { type: 'raise', alert: 'door_at_night', severity: 'medium', title: 'Door opened at night', when: 'night' },
  },
  door_closed: { activity: true },
  activity: { activity: true },
  no_activity: {},
  going_out: { activity: true, presence: 'out' },
  back_home: { activity: true, presence: 'home' },
  power_cut: { effect: { type: 'raise', alert: 'power_cut', severity: 'medium', title: 'Gateway power cut' } },
  power_restored: { effect: { type: 'resolve', alert: 'power_cut', note: 'Gateway power restored' } },
  no_data: { effect: { type: 'raise', alert: 'hub_no_data', severity: 'medium', title: 'Gateway sends no data' } },
  sensor_link_lost: {
    effect: {
      type: 'raise',
      alert: 'sensor_link_lost',
      severity: 'medium',
      title: 'Sensor link lost',
      perDevice: true,
    },
  },
  device_activated: {},
  heart_rate: { effect: { type: 'sustained', alert: 'heart_rate', band: 'heartRate', title: 'Heart rate' } },
  breathing: { effect: { type: 'sustained', alert: 'breathing', band: 'breathing', title: 'Breathing rate' } },
  temperature: { effect: { type: 'sustained', alert: 'temperature', band: 'temperature', title: 'Room temperature' } },
  humidity: {},
  light: {},
  battery: {
    effect: {
      type: 'raise',
      alert: 'low_battery',
      severity: 'low',
      title: 'Low device battery',
      when: 'lowBattery',
      perDevice: true,
    },
  },
  false_alarm: { effect: { type: 'falseAlarm' } },
};

/** Severity of vital-sign alerts: readings outside the resident's band for a sustained window. */
export const SUSTAINED_VITAL_SEVERITY: AlertSeverity = 'high';

/** The device-inspection alert raised when a device crosses the false-alarm threshold. */
export const INSPECTION_ALERT = {
  alert: 'device_inspection',
  severity: 'low',
  title: 'Device needs inspection',
} as const;

export type VitalBand = 'heartRate' | 'breathing' | 'temperature';

export interface DetectionEvent {
  eventId: string;
  deviceId: string | null;
  kind: SensorEventKind;
  time: Date;
  value: number | null;
  payload: Record<string, unknown> | null;
}

/** Named conditions a `raise` rule may require. */
export const conditions = {
  /** Camera/AI falls carry a confidence (value or payload.confidence); radar falls without one count as confirmed. */
  confidentFall: (event, settings) => {
    const confidence = event.value ?? numberOrNull(event.payload?.confidence);
    return confidence == null || confidence >= settings.thresholds.fallConfidence;
  },
  night: (event, settings) => isNight(event.time, settings),
  lowBattery: (event) => event.value != null && event.value <= detectionDefaults.lowBatteryPct,
} satisfies Record<string, (event: DetectionEvent, settings: DetectionSettings) => boolean>;

export type Condition = keyof typeof conditions;

export type Effect =
  | {
      type: 'raise';
      alert: AlertKind;
      severity: AlertSeverity;
      title: string;
      when?: Condition;
      perDevice?: boolean;
    }
  | { type: 'sustained'; alert: AlertKind; band: VitalBand; title: string }
  | { type: 'clear'; alert: AlertKind; note: string; falseAlarm: boolean }
  | { type: 'resolve'; alert: AlertKind; note: string }
  | { type: 'falseAlarm' };

export interface EventRule {
  activity?: boolean;
  presence?: 'out' | 'home';
  effect?: Effect;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
