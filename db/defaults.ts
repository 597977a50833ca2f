import type { AlertSeverity, EscalationStep } from './schema/alerts';
import type { OrganisationSettings } from './schema/organisations';
import type { ResidentThresholds } from './schema/people';

/**
 * Product defaults, after Korea's emergency-safety service for seniors living alone.
 * A resident's own `thresholds` override these key by key.
 */
export const defaultThresholds: Required<ResidentThresholds> = {
  // 6 h puts a resident on the day's check list (reported by analytics); alerts start at 12 h.
  inactivityHours: { caution: 12, warning: 18, danger: 24 },
  heartRate: { min: 60, max: 100 },
  // 14–20 for older adults (the general adult band is 12–20).
  breathing: { min: 14, max: 20 },
  // Room temperature in °C: below or above risks hypothermia or heat illness for a frail resident.
  temperature: { min: 16, max: 30 },
  fallConfidence: 0.6,
};

/** Escalation ladders per severity, written into each new organisation; editable per organisation. */
export const defaultEscalationPolicies: Record<AlertSeverity, { steps: EscalationStep[]; repeat: number }> = {
  critical: {
    steps: [
      { notify: 'assigned', order: 1, waitSeconds: 60 },
      { notify: 'assigned', waitSeconds: 60 },
      { notify: 'managers', waitSeconds: 120 },
      { notify: 'admins', waitSeconds: 120 },
    ],
    repeat: 3,
  },
  high: {
    steps: [
      { notify: 'assigned', order: 1, waitSeconds: 180 },
      { notify: 'assigned', waitSeconds: 300 },
      { notify: 'managers', waitSeconds: 600 },
    ],
    repeat: 2,
  },
  medium: {
    steps: [
      { notify: 'assigned', waitSeconds: 900 },
      { notify: 'managers', waitSeconds: 1800 },
    ],
    repeat: 1,
  },
  low: { steps: [{ notify: 'assigned', waitSeconds: 3600 }], repeat: 1 },
};

/**
 * Seconds an alert may stay acknowledged but unresolved before it re-triggers, per severity (null = never).
 * PagerDuty's rule: an acknowledgement is a promise to act, not the end of the alert, so an emergency still
 * unresolved after 30 min is raised again; low-severity (maintenance) alerts wait for their resolution.
 */
export const defaultAckTimeoutSeconds: Record<AlertSeverity, number | null> = {
  critical: 30 * 60,
  high: 60 * 60,
  medium: 4 * 60 * 60,
  low: null,
};

/** Organisation settings used when an organisation has not set its own (see `OrganisationSettings`). */
export const defaultOrganisationSettings: Required<OrganisationSettings> = {
  timeZone: 'Asia/Seoul',
  nightHours: { start: 23, end: 6 },
  hubOfflineMinutes: 30,
  ackTimeoutSeconds: defaultAckTimeoutSeconds,
  eventMediaKinds: {
    sos: 'low',
    call_119: 'low',
    fall: 'low',
    fire: 'low',
    gas: 'low',
    // Silence is only worth a picture once it is an emergency: the ladder's last step.
    no_activity: 'critical',
  },
  mediaRetentionDays: 30,
};

/** Detection constants that are product-wide rather than per resident. */
export const detectionDefaults = {
  /** A device or hub battery at or below this percentage raises a low-battery alert. */
  lowBatteryPct: 20,
  /** False alarms after which a device is flagged for inspection ("after 3"). */
  falseAlarmInspectionCount: 3,
  /**
   * A vital sign alerts when this many consecutive readings of the same kind, all within `withinMinutes` of the
   * newest, are outside the resident's band: one stray reading (a radar glitch, the resident getting up) does not.
   */
  sustainedVitals: { readings: 3, withinMinutes: 10 },
} as const;
