import { execFile } from 'node:child_process';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type SeededOrganisation, seedDemoOrganisation } from '../../infra/demo-organisation';
import { createTestDatabase, type TestDatabase } from '../testing/database';
import { acknowledgeDelivery } from './acknowledge';
import { auditAlerts } from './audit';
import { type AuditedAlert, judgeAlert } from './audit-rules';
import { escalateDueAlerts } from './escalate';
import { raiseAlert } from './raise-alert';

describe('npm run audit:alerts: every alert reached a person, escalated on time, or is inside its wait', () => {
  let t: TestDatabase;
  let org: SeededOrganisation;
  let other: SeededOrganisation;
  const since = new Date(Date.now() - 60 * 60 * 1000);

  beforeAll(async () => {
    t = await createTestDatabase({ skipAlertAudit: 'this file plants violations to show the audit finds them' });
    org = await seedDemoOrganisation(t.db, { orgName: 'Audit Centre', slug: 'audit', residents: 6 });
    other = await seedDemoOrganisation(t.db, { orgName: 'Audit Other', slug: 'audit-other', residents: 1 });
  });
  afterAll(() => t.drop());

  async function raise(residentIndex: number, of = org) {
    const residentId = of.residents[residentIndex]?.id ?? '';
    const raised = await t.sql.begin((tx) =>
      raiseAlert(tx, {
        orgId: of.orgId,
        residentId,
        kind: 'sos',
        severity: 'critical',
        dedupKey: `${residentId}:sos`,
        title: 'Emergency button pressed',
      }),
    );
    return { alertId: raised.alertId, deliveries: raised.deliveries };
  }

  /** Moves an alert's past back by `seconds`: raised, told and its deadline that much earlier. */
  async function backdate(alertId: string, seconds: number) {
    await t.sql`
      update alerts set opened_at = opened_at - make_interval(secs => ${seconds}),
                        next_escalation_at = next_escalation_at - make_interval(secs => ${seconds})
       where id = ${alertId}`;
    await t.sql`
      update alert_deliveries set pending_at = pending_at - make_interval(secs => ${seconds}) where alert_id = ${alertId}`;
  }

  const audit = (orgId = org.orgId) => auditAlerts(t.sql, { from: since, to: new Date(Date.now() + 60_000), orgId });
  const reasonsOf = async (alertId: string) =>
    (await audit()).violations.find((violation) => violation.alertId === alertId)?.reasons ?? [];

  test('an alert escalated on time, one acknowledged by the person told, one inside its wait: no violations', async () => {
    const escalated = await raise(0);
    // Critical step 0 waits 60 s: raised and told 60 s ago, escalated by the real sweep now.
    await backdate(escalated.alertId, 60);
    const outcomes = await escalateDueAlerts(t.sql, 'audit-test');
    expect(outcomes.find((outcome) => outcome.alertId === escalated.alertId)?.level).toBe(1);

    const acknowledged = await raise(1);
    await backdate(acknowledged.alertId, 600);
    const [delivery] = acknowledged.deliveries;
    if (!delivery) throw new Error('nobody told');
    await acknowledgeDelivery(t.sql, { ...delivery, deliveryId: delivery.id, orgId: org.orgId, nodeId: 'audit-test' });

    const waiting = await raise(2);
    await backdate(waiting.alertId, 30);

    const result = await audit();
    expect(result.checked).toBe(3);
    expect(result.violations).toEqual([]);
  });

  test('an alert left open past its step wait is listed with why', async () => {
    const overdue = await raise(3);
    await backdate(overdue.alertId, 200);
    expect(await reasonsOf(overdue.alertId)).toEqual([
      expect.stringMatching(/^as raised: step 0 waits 60 s but it is still open 200(\.\d)? s after it$/),
    ]);
  });

  test('a planted skipped step (level 2 told while step 1 names staff) is listed', async () => {
    const skipped = await raise(4);
    await backdate(skipped.alertId, 60);
    // What a buggy sweep would do: step 2 (managers) straight after step 0, passing over step 1 (every assigned carer).
    const [manager] = org.logins.filter((login) => login.role === 'manager');
    await t.sql`
      insert into alert_deliveries (org_id, alert_id, staff_id, escalation_level, seq)
      select ${org.orgId}, ${skipped.alertId}, ${manager?.staffId ?? ''}, 2, delivery_seq + 1 from staff
       where id = ${manager?.staffId ?? ''}`;
    await t.sql`update staff set delivery_seq = delivery_seq + 1 where id = ${manager?.staffId ?? ''}`;
    await t.sql`update alerts set escalation_level = 2, next_escalation_at = now() + interval '2 minutes'
                 where id = ${skipped.alertId}`;
    expect(await reasonsOf(skipped.alertId)).toEqual([
      expect.stringMatching(/^as raised: step 1 was passed over, yet it named 2 active staff then$/),
    ]);
  });

  test('an alert that reached nobody is listed; another organisation is not in this one’s audit', async () => {
    const [lonely] = await t.sql<{ id: string }[]>`
      insert into alerts (org_id, resident_id, kind, severity, dedup_key, title)
      values (${org.orgId}, ${org.residents[5]?.id ?? ''}, 'fall', 'critical', 'planted:fall', 'Fall detected')
      returning id`;
    expect(await reasonsOf(lonely?.id ?? '')).toEqual(['reached nobody: no delivery was ever created']);

    const elsewhere = await raise(0, other);
    await backdate(elsewhere.alertId, 500);
    const ours = await audit();
    expect(ours.violations.map((violation) => violation.alertId)).not.toContain(elsewhere.alertId);
    const theirs = await audit(other.orgId);
    expect(theirs.violations.map((violation) => violation.alertId)).toEqual([elsewhere.alertId]);
  });

  test('npm run audit:alerts lists every violation with why and exits 1; within one clean organisation it exits 0', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number | null; stdout: string }>((resolve) => {
        execFile(
          process.execPath,
          ['--import', 'tsx', 'infra/audit-alerts.ts', ...args],
          { env: { ...process.env, DATABASE_URL: t.url } },
          (error, stdout) => resolve({ code: error ? (error.code as number) : 0, stdout }),
        );
      });
    const expected = (await auditAlerts(t.sql, { from: since, to: new Date(Date.now() + 60_000) })).violations;
    const all = await run(['--from', since.toISOString()]);
    expect(all.code).toBe(1);
    const lines = all.stdout.trim().split('\n');
    expect(JSON.parse(lines.at(-1) ?? '{}')).toMatchObject({ violations: expected.length });
    for (const violation of expected) expect(all.stdout).toContain(violation.alertId);
    expect(all.stdout).toContain('was passed over');

    const clean = await seedDemoOrganisation(t.db, { orgName: 'Audit Clean', slug: 'audit-clean', residents: 1 });
    const fine = await raise(0, clean);
    await backdate(fine.alertId, 10);
    const one = await run(['--org', clean.orgId]);
    expect(one.code).toBe(0);
    expect(JSON.parse(one.stdout.trim())).toMatchObject({ checked: 1, violations: 0 });
  });
});

describe('judgeAlert (the rule itself)', () => {
  const policy = {
    steps: [
      { notify: 'assigned' as const, order: 1, waitSeconds: 60 },
      { notify: 'assigned' as const, waitSeconds: 90 },
      { notify: 'managers' as const, waitSeconds: 120 },
    ],
    repeat: 1,
  };
  const toleranceMs = 30_000;
  const alertWith = (gaps: number[], acknowledged = false): AuditedAlert => {
    let at = 1_000_000;
    const steps = gaps.map((gap, level) => {
      at += gap;
      return { level, startedAt: at };
    });
    return {
      id: 'a',
      orgId: 'o',
      residentId: 'r',
      severity: 'critical',
      status: 'open',
      openedAt: 1_000_000,
      cycles: [{ retrigger: 0, startedAt: 1_000_000, steps, endedAt: null, acknowledgedByTold: acknowledged }],
    };
  };
  const waits = policy.steps.map((step) => step.waitSeconds * 1000);

  test('steps each within their wait plus the tolerance, the last one still waiting: in order', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 3 }),
        fc.array(fc.integer({ min: -toleranceMs, max: toleranceMs }), { minLength: 3, maxLength: 3 }),
        (count, jitter) => {
          const gaps = Array.from({ length: count }, (_, level) =>
            level === 0 ? Math.abs(jitter[0] ?? 0) : (waits[level - 1] ?? 0) + (jitter[level] ?? 0),
          );
          const alert = alertWith(gaps);
          const lastStart = alert.cycles[0]?.steps.at(-1)?.startedAt ?? 0;
          const now = lastStart + (waits[count - 1] ?? 0);
          expect(judgeAlert(alert, () => policy, { now, toleranceMs }).reasons).toEqual([]);
        },
      ),
    );
  });

  test('any step later than its wait plus the tolerance is a violation, unless a person told acknowledged', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 2 }), fc.integer({ min: 1, max: 600_000 }), (late, overBy) => {
        const gaps = [0, waits[0] ?? 0, waits[1] ?? 0];
        gaps[late] = (waits[late - 1] ?? 0) + toleranceMs + overBy;
        const alert = alertWith(gaps);
        const now = (alert.cycles[0]?.steps.at(-1)?.startedAt ?? 0) + 1000;
        const { reasons } = judgeAlert(alert, () => policy, { now, toleranceMs });
        expect(reasons).toEqual([expect.stringContaining(`step ${late - 1} waits`)]);
        expect(judgeAlert(alertWith(gaps, true), () => policy, { now, toleranceMs }).reasons).toEqual([]);
      }),
    );
  });
  test('whether a step follows is read by the ladder in force at the deadline, as escalation reads it', () => {
    const twoSteps = { steps: policy.steps.slice(0, 2), repeat: 0 };
    const oneStep = { steps: policy.steps.slice(0, 1), repeat: 0 };
    // Step 0 began under two steps; before its deadline the ladder lost its second step, so nothing came after it.
    const alert = alertWith([0]);
    const policyAt = (at: number) => (at < 1_030_000 ? twoSteps : oneStep);
    const now = 1_000_000 + 600_000;
    expect(judgeAlert(alert, policyAt, { now, toleranceMs }).reasons).toEqual([]);
    expect(judgeAlert(alert, () => twoSteps, { now, toleranceMs }).reasons).toEqual([
      expect.stringContaining('step 0 waits 60 s but it is still open'),
    ]);
  });

  test('each step is judged by the ladder in force when it began', () => {
    const longer = { ...policy, steps: policy.steps.map((step) => ({ ...step, waitSeconds: step.waitSeconds * 5 })) };
    // Step 0 began under `policy` (60 s) and lasted 100 s; step 1 began after the ladder was lengthened.
    const alert = alertWith([0, 100_000, 400_000]);
    const changedAt = 1_050_000;
    const policyAt = (at: number) => (at < changedAt ? policy : longer);
    const now = (alert.cycles[0]?.steps.at(-1)?.startedAt ?? 0) + 1000;
    expect(judgeAlert(alert, policyAt, { now, toleranceMs }).reasons).toEqual([
      expect.stringContaining('step 0 waits 60 s but step 1 came 100 s after it'),
    ]);
    // Judged by the lengthened ladder alone, step 0 would pass; by the first alone, step 1 (450 s) would not.
    expect(judgeAlert(alert, () => longer, { now, toleranceMs }).reasons).toEqual([]);
    expect(judgeAlert(alert, () => policy, { now, toleranceMs }).reasons).toHaveLength(2);
  });
});
