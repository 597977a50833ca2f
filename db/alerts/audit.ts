import type postgres from 'postgres';
import type { AlertSeverity, AlertStatus } from '../schema/alerts';
import { type AuditedAlert, type AuditedCycle, judgeAlert } from './audit-rules';
import { type EscalationPolicy, ladderChangeActions, usablePolicy } from './escalation-policy';
import { positionOnLadder, staffForStep } from './escalation-targets';
import { policyFor } from './ladder';

export interface AlertViolation {
  alertId: string;
  orgId: string;
  residentId: string;
  severity: AlertSeverity;
  status: AlertStatus;
  openedAt: string;
  reasons: string[];
}

export interface AlertAudit {
  from: string;
  to: string;
  toleranceSeconds: number;
  checked: number;
  violations: AlertViolation[];
}

export interface AuditInput {
  /** Alerts opened in [from, to). */
  from: Date;
  to: Date;
  /** One organisation's alerts (the admin endpoint); every organisation's when absent (the CLI). */
  orgId?: string;
  /** Slack on every deadline: the escalation sweep runs every REALTIME_ESCALATION_MS and a commit takes time. */
  toleranceSeconds?: number;
  /** "Now" for alerts still running (tests). */
  now?: Date;
}

interface AlertRow {
  id: string;
  orgId: string;
  residentId: string;
  severity: AlertSeverity;
  status: AlertStatus;
  openedAt: number;
  acknowledgedAt: number | null;
  resolvedAt: number | null;
  retriggerCount: number;
  retriggers: { retrigger: number; at: number; acknowledgedAt: number | null }[];
  steps: { retrigger: number; level: number; at: number; acknowledged: boolean }[];
}

export const DEFAULT_AUDIT_TOLERANCE_SECONDS = 30;

/**
 * Checks every alert opened in a time range against the audit's rule (`judgeAlert`): reached by a person and
 * acknowledged, or escalated at each step on time, or still inside its current step's wait. Read from the database
 * only — deliveries, re-triggers and the organisation's ladder — so it proves what happened, whatever the nodes
 * believed. The ladder is the one in force at each moment (`ladderHistory`). A step passed over is a violation when
 * it named staff at the moment it was passed over (a step that named nobody — no carers, nobody on call or on shift
 * — is skipped by design); who is active is read as it is now.
 */
export async function auditAlerts(sql: postgres.Sql, input: AuditInput): Promise<AlertAudit> {
  const toleranceSeconds = input.toleranceSeconds ?? DEFAULT_AUDIT_TOLERANCE_SECONDS;
  const now = (input.now ?? new Date()).getTime();
  const rows = await sql<AlertRow[]>`
    select a.id, a.org_id as "orgId", a.resident_id as "residentId", a.severity, a.status,
           extract(epoch from a.opened_at)::float8 * 1000 as "openedAt",
           extract(epoch from a.acknowledged_at)::float8 * 1000 as "acknowledgedAt",
           extract(epoch from a.resolved_at)::float8 * 1000 as "resolvedAt",
           a.retrigger_count as "retriggerCount",
           (select coalesce(json_agg(json_build_object(
                     'retrigger', r.retrigger, 'at', extract(epoch from r.at)::float8 * 1000,
                     'acknowledgedAt', extract(epoch from r.acknowledged_at)::float8 * 1000) order by r.retrigger), '[]')
              from alert_retriggers r where r.alert_id = a.id) as retriggers,
           (select coalesce(json_agg(json_build_object(
                     'retrigger', d.retrigger, 'level', d.escalation_level, 'at', d.started * 1000,
                     'acknowledged', d.acknowledged) order by d.retrigger, d.escalation_level), '[]')
              from (select retrigger, escalation_level, extract(epoch from min(pending_at))::float8 as started,
                           bool_or(state = 'acknowledged') as acknowledged
                      from alert_deliveries where alert_id = a.id group by retrigger, escalation_level) d) as steps
      from alerts a
     where a.opened_at >= ${input.from} and a.opened_at < ${input.to}
       and (${input.orgId ?? null}::uuid is null or a.org_id = ${input.orgId ?? null}::uuid)
     order by a.opened_at, a.id`;
  const ladders = new Map<string, Promise<(at: number) => EscalationPolicy>>();
  const ladderOf = (orgId: string, severity: AlertSeverity) => {
    const key = `${orgId}:${severity}`;
    let ladder = ladders.get(key);
    if (!ladder) {
      ladder = ladderHistory(sql, { orgId, severity, from: input.from });
      ladders.set(key, ladder);
    }
    return ladder;
  };
  const violations: AlertViolation[] = [];
  for (const row of rows) {
    const policyAt = await ladderOf(row.orgId, row.severity);
    const judgement = judgeAlert(auditedAlert(row), policyAt, { now, toleranceMs: toleranceSeconds * 1000 });
    const reasons = [...judgement.reasons];
    for (const { retrigger, level, at } of judgement.skipped) {
      const policy = policyAt(at);
      const position = positionOnLadder(policy.steps, policy.repeat, level);
      if (!position) continue;
      const { orgId, residentId, severity } = row;
      const named = await staffForStep(sql, { orgId, residentId, severity, step: position.step, at: new Date(at) });
      if (named.length > 0) {
        const label = retrigger === 0 ? 'as raised' : `after re-trigger ${retrigger}`;
        reasons.push(`${label}: step ${level} was passed over, yet it named ${named.length} active staff then`);
      }
    }
    if (reasons.length > 0) {
      const { id, orgId, residentId, severity, status } = row;
      const openedAt = new Date(row.openedAt).toISOString();
      violations.push({ alertId: id, orgId, residentId, severity, status, openedAt, reasons });
    }
  }
  return {
    from: input.from.toISOString(),
    to: input.to.toISOString(),
    toleranceSeconds,
    checked: rows.length,
    violations,
  };
}

/** One alert's triggers from its rows: each runs from its start to the acknowledgement or resolution that ended it. */
function auditedAlert(row: AlertRow): AuditedAlert {
  const cycles: AuditedCycle[] = [];
  for (let retrigger = 0; retrigger <= row.retriggerCount; retrigger++) {
    const started = retrigger === 0 ? row.openedAt : row.retriggers.find((r) => r.retrigger === retrigger)?.at;
    if (started === undefined) continue;
    const next = row.retriggers.find((r) => r.retrigger === retrigger + 1);
    const ended = next
      ? (next.acknowledgedAt ?? next.at)
      : (row.acknowledgedAt ?? (row.status === 'resolved' ? row.resolvedAt : null));
    const steps = row.steps.filter((step) => step.retrigger === retrigger);
    cycles.push({
      retrigger,
      startedAt: started,
      endedAt: ended === null ? null : Math.min(ended, row.resolvedAt ?? ended),
      steps: steps.map((step) => ({ level: step.level, startedAt: step.at })),
      acknowledgedByTold: steps.some((step) => step.acknowledged),
    });
  }
  const { id, orgId, residentId, severity, status, openedAt } = row;
  return { id, orgId, residentId, severity, status, openedAt, cycles };
}

/**
 * One organisation's ladder for one severity over time, from `from` on: at a moment before a change the audit trail
 * recorded (`ladderChangeActions`), what that change found (`before`; none: the default), else the stored ladder now. Rows written without
 * the API (seeds, hand edits) leave no entry: they count from the moment of the next recorded change, or as now.
 */
async function ladderHistory(
  sql: postgres.Sql,
  input: { orgId: string; severity: AlertSeverity; from: Date },
): Promise<(at: number) => EscalationPolicy> {
  // One snapshot: a change committing between the two reads would otherwise be half seen. Changes in the order they
  // were made (`id`, taken under the ladder's row lock), not by `at` (each transaction's start).
  const [current, changes] = await sql.begin('isolation level repeatable read read only', (tx) =>
    Promise.all([
      policyFor(tx, input.orgId, input.severity),
      tx<{ at: number; before: unknown }[]>`
        select extract(epoch from at)::float8 * 1000 as at, details -> 'before' as before from audit_log
         where org_id = ${input.orgId} and at >= ${input.from}
           and action in (${ladderChangeActions.set}, ${ladderChangeActions.remove})
           and details ->> 'severity' = ${input.severity}
         order by id`,
    ]),
  );
  const before = changes.map((change) => ({
    at: change.at,
    policy: usablePolicy(change.before, input.orgId, input.severity),
  }));
  return (at) => before.find((change) => change.at > at)?.policy ?? current;
}
