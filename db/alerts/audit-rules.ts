import type { AlertSeverity, AlertStatus } from '../schema/alerts';
import type { EscalationPolicy } from './escalation-policy';
import { positionOnLadder } from './escalation-targets';

/** One step of one trigger of an alert as the database shows it: the first delivery created at that level. */
export interface AuditedStep {
  level: number;
  /** Epoch ms of the step's first delivery. */
  startedAt: number;
}

/** One trigger of an alert: as raised (retrigger 0), or after its n-th re-trigger. */
export interface AuditedCycle {
  retrigger: number;
  /** Epoch ms: when the alert was raised, or re-triggered. */
  startedAt: number;
  /** Its steps by level, ascending. */
  steps: AuditedStep[];
  /** Epoch ms this trigger ended: acknowledged (or re-triggered after an acknowledgement), resolved; null: running. */
  endedAt: number | null;
  /** A person told in this trigger acknowledged it (one of its deliveries is `acknowledged`). */
  acknowledgedByTold: boolean;
}

export interface AuditedAlert {
  id: string;
  orgId: string;
  residentId: string;
  severity: AlertSeverity;
  status: AlertStatus;
  openedAt: number;
  cycles: AuditedCycle[];
}

export interface AlertJudgement {
  reasons: string[];
  /**
   * Levels passed over between two steps, with the moment the ladder passed them (epoch ms: when the step after
   * them began): fine only if those steps named nobody then (the caller checks who they named at that moment).
   */
  skipped: { retrigger: number; level: number; at: number }[];
}

const seconds = (ms: number) => `${Math.round(ms / 100) / 10} s`;

/**
 * The audit's rule for one alert ("proof from the database"): each of its triggers (as raised, and after each
 * re-trigger) is in order when a person it was delivered to acknowledged it, or when every step came on time — the
 * first within `toleranceMs` of the trigger, each next one within its ladder wait plus `toleranceMs` of the one
 * before — and the running step, if any, is still inside its wait (a last step with no step after it on the ladder
 * has nothing left to wait for). Otherwise each reason says what broke. Pure: `policyAt` answers the organisation's
 * ladder as it was at a moment (epoch ms); each step is judged by the ladder in force when it began, which set its
 * deadline.
 */
export function judgeAlert(
  alert: AuditedAlert,
  policyAt: (at: number) => EscalationPolicy,
  input: { now: number; toleranceMs: number },
): AlertJudgement {
  const judgement: AlertJudgement = { reasons: [], skipped: [] };
  if (alert.cycles.every((cycle) => cycle.steps.length === 0)) {
    judgement.reasons.push('reached nobody: no delivery was ever created');
    return judgement;
  }
  const waitAt = (level: number, at: number) => {
    const policy = policyAt(at);
    const position = positionOnLadder(policy.steps, policy.repeat, level);
    return position ? position.step.waitSeconds * 1000 : null;
  };
  for (const cycle of alert.cycles) {
    if (cycle.acknowledgedByTold) continue;
    const [first] = cycle.steps;
    const label = cycle.retrigger === 0 ? 'as raised' : `after re-trigger ${cycle.retrigger}`;
    if (!first) {
      judgement.reasons.push(`${label}: nobody was told`);
      continue;
    }
    const firstDelay = first.startedAt - cycle.startedAt;
    if (firstDelay > input.toleranceMs) {
      judgement.reasons.push(`${label}: first told ${seconds(firstDelay)} after the trigger`);
    }
    for (const [index, step] of cycle.steps.entries()) {
      const next = cycle.steps[index + 1];
      const wait = waitAt(step.level, step.startedAt);
      const end = next?.startedAt ?? cycle.endedAt ?? input.now;
      // Whether a step follows is read at the deadline, by the ladder in force then, as escalation reads it.
      const ladderGoesOn =
        next !== undefined || (wait !== null && waitAt(step.level + 1, step.startedAt + wait) !== null);
      if (wait !== null && ladderGoesOn && end - step.startedAt > wait + input.toleranceMs) {
        const what = next
          ? `step ${next.level} came`
          : cycle.endedAt !== null
            ? 'the trigger ended'
            : 'it is still open';
        judgement.reasons.push(
          `${label}: step ${step.level} waits ${seconds(wait)} but ${what} ${seconds(end - step.startedAt)} after it`,
        );
      }
      if (next) {
        for (let level = step.level + 1; level < next.level; level++) {
          judgement.skipped.push({ retrigger: cycle.retrigger, level, at: next.startedAt });
        }
      }
    }
  }
  return judgement;
}
