import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { auditAlerts } from '../../../db/alerts/audit';
import { policyFor } from '../../../db/alerts/ladder';
import { raiseAlert } from '../../../db/alerts/raise-alert';
import { type OrganisationSettingRules, usableSetting } from '../../../db/organisation-settings';
import { type ApiHarness, startApiHarness } from '../../../infra/testing/api-harness';

interface Policy {
  severity: string;
  steps: unknown[];
  repeat: number;
  isDefault: boolean;
}

describe('escalation ladders and organisation settings, set by admins', () => {
  let h: ApiHarness;
  beforeAll(async () => {
    h = await startApiHarness();
  });
  afterAll(() => h?.stop());

  const auditRows = (action: string) =>
    h.database.sql<{ details: { before: unknown; after?: unknown } }[]>`
      select details from audit_log where action = ${action} and org_id = ${h.orgs.own.orgId} order by at`;

  test('a ladder set by an admin is the one escalation reads; refused ladders change nothing; removing restores the default', async () => {
    const admin = await h.tokenFor('own', 'admin');
    const manager = await h.tokenFor('own', 'manager');
    const listed = await h.request<{ policies: Policy[] }>('GET', '/v1/escalation-policies', { token: manager });
    expect(listed.body.policies.map((policy) => policy.severity)).toEqual(['critical', 'high', 'medium', 'low']);
    // The demo organisation stores its own ladders (the defaults' copies).
    const seeded = listed.body.policies.find((policy) => policy.severity === 'critical');
    const seededLadder = seeded?.isDefault ? null : { steps: seeded?.steps, repeat: seeded?.repeat };
    const ladder = {
      steps: [
        { notify: 'assigned', order: 1, waitSeconds: 45 },
        { notify: 'managers', waitSeconds: 90 },
      ],
      repeat: 3,
    };
    const refused = [
      { steps: [], repeat: 1 },
      { steps: [{ notify: 'managers', waitSeconds: 0 }], repeat: 1 },
      { steps: [{ notify: 'managers', waitSeconds: 86_401 }], repeat: 1 },
      { steps: [{ notify: 'managers', waitSeconds: 1.5 }], repeat: 1 },
      { steps: [{ notify: 'everyone', waitSeconds: 60 }], repeat: 1 },
      { steps: [{ notify: 'managers', waitSeconds: 60 }], repeat: 21 },
      { ...ladder, extra: true },
    ];
    for (const body of refused) {
      const answer = await h.request<{ code: string }>('PUT', '/v1/escalation-policies/critical', {
        token: admin,
        body,
      });
      expect(answer, JSON.stringify(body)).toMatchObject({ status: 422, body: { code: 'VALIDATION_FAILED' } });
    }
    expect((await h.request('PUT', '/v1/escalation-policies/critical', { token: manager, body: ladder })).status).toBe(
      403,
    );
    expect((await h.request('PUT', '/v1/escalation-policies/urgent', { token: admin, body: ladder })).status).toBe(422);
    expect(await auditRows('escalation_policy.set')).toEqual([]);

    const saved = await h.request<Policy>('PUT', '/v1/escalation-policies/critical', { token: admin, body: ladder });
    expect(saved).toMatchObject({ status: 200, body: { severity: 'critical', isDefault: false, ...ladder } });
    expect(await policyFor(h.database.sql, h.orgs.own.orgId, 'critical')).toEqual(ladder);
    expect(await policyFor(h.database.sql, h.orgs.other.orgId, 'critical')).not.toEqual(ladder);
    expect((await auditRows('escalation_policy.set')).map((row) => row.details)).toEqual([
      { severity: 'critical', before: seededLadder, after: ladder },
    ]);

    expect((await h.request('DELETE', '/v1/escalation-policies/critical', { token: admin })).status).toBe(204);
    expect((await h.request('DELETE', '/v1/escalation-policies/critical', { token: admin })).status).toBe(404);
    const after = await h.request<{ policies: Policy[] }>('GET', '/v1/escalation-policies', { token: admin });
    expect(after.body.policies.find((policy) => policy.severity === 'critical')?.isDefault).toBe(true);
    expect((await auditRows('escalation_policy.remove')).map((row) => row.details.before)).toEqual([ladder]);
    const caregiver = await h.tokenFor('own', 'caregiver');
    expect((await h.request('GET', '/v1/escalation-policies', { token: caregiver })).status).toBe(403);
  });

  test('the alert audit judges a step by the ladder in force when it began, not by one an admin set later', async () => {
    const admin = await h.tokenFor('own', 'admin');
    const ladderWaiting = (waitSeconds: number) => ({
      steps: [
        { notify: 'assigned', order: 1, waitSeconds },
        { notify: 'managers', waitSeconds: 90 },
      ],
      repeat: 1,
    });
    const set = async (waitSeconds: number) =>
      expect(
        (await h.request('PUT', '/v1/escalation-policies/critical', { token: admin, body: ladderWaiting(waitSeconds) }))
          .status,
      ).toBe(200);
    // The ladder of five minutes was set a while ago (the organisation's trail so far moved back, in its order) …
    await set(300);
    await h.database.sql`update audit_log set at = at - interval '200 seconds' where org_id = ${h.orgs.own.orgId}`;
    // … an SOS reached its first step 100 s ago (so it escalates 200 s from now) …
    const residentId = h.orgs.own.residents[0]?.id ?? '';
    const raised = await h.database.sql.begin((tx) =>
      raiseAlert(tx, {
        orgId: h.orgs.own.orgId,
        residentId,
        kind: 'sos',
        severity: 'critical',
        dedupKey: `${residentId}:sos:ladder-audit`,
        title: 'Emergency button pressed',
      }),
    );
    await h.database.sql`
      update alerts set opened_at = opened_at - interval '100 seconds',
                        next_escalation_at = next_escalation_at - interval '100 seconds'
       where id = ${raised.alertId}`;
    await h.database.sql`
      update alert_deliveries set pending_at = pending_at - interval '100 seconds' where alert_id = ${raised.alertId}`;
    // … and now the first step waits one minute: the alert is still inside the wait it was given.
    await set(60);
    const [opened] = await h.database.sql<
      { at: Date }[]
    >`select opened_at as at from alerts where id = ${raised.alertId}`;
    const at = opened?.at.getTime() ?? 0;
    // This alert alone: opened in this millisecond window, in this organisation.
    const audit = await auditAlerts(h.database.sql, {
      from: new Date(at),
      to: new Date(at + 1),
      orgId: h.orgs.own.orgId,
    });
    expect(audit).toMatchObject({ checked: 1, violations: [] });
  });

  test('settings: admins change them by the readers’ rules, null restores a default, bad values change nothing', async () => {
    const admin = await h.tokenFor('own', 'admin');
    const refused = [
      {},
      { timeZone: 'Mars/Olympus_Mons' },
      { nightHours: { start: 22, end: 22 } },
      { nightHours: { start: 24, end: 6 } },
      { hubOfflineMinutes: 0 },
      { hubOfflineMinutes: 1441 },
      { ackTimeoutSeconds: { critical: 0 } },
      { ackTimeoutSeconds: { urgent: 60 } },
      { colour: 'blue' },
    ];
    const before = await h.request<{ stored: unknown }>('GET', '/v1/organisation/settings', { token: admin });
    for (const body of refused) {
      const answer = await h.request('PATCH', '/v1/organisation/settings', { token: admin, body });
      expect(answer.status, JSON.stringify(body)).toBe(422);
    }
    expect((await h.request('GET', '/v1/organisation/settings', { token: admin })).body).toEqual(before.body);

    const changed = await h.request<{ effective: Record<string, unknown> }>('PATCH', '/v1/organisation/settings', {
      token: admin,
      body: { timeZone: 'Europe/London', nightHours: { start: 22, end: 7 }, ackTimeoutSeconds: { critical: null } },
    });
    expect(changed.status).toBe(200);
    expect(changed.body.effective).toMatchObject({
      timeZone: 'Europe/London',
      nightHours: { start: 22, end: 7 },
      hubOfflineMinutes: 30,
      ackTimeoutSeconds: { critical: null, high: 3600 },
    });
    const restored = await h.request<{ effective: Record<string, unknown>; stored: Record<string, unknown> }>(
      'PATCH',
      '/v1/organisation/settings',
      { token: admin, body: { timeZone: null } },
    );
    expect(restored.body.effective.timeZone).toBe('Asia/Seoul');
    expect(restored.body.stored).not.toHaveProperty('timeZone');
    const audits = await auditRows('organisation.settings');
    expect(audits).toHaveLength(2);
    expect(audits[0]?.details.after).toMatchObject({ timeZone: 'Europe/London' });
    const manager = await h.tokenFor('own', 'manager');
    expect((await h.request('GET', '/v1/organisation/settings', { token: manager })).status).toBe(200);
    expect(
      (await h.request('PATCH', '/v1/organisation/settings', { token: manager, body: { hubOfflineMinutes: 5 } }))
        .status,
    ).toBe(403);
  });

  test('whatever the API takes, the readers use as stored (never silently replaced by a default)', async () => {
    const admin = await h.tokenFor('other', 'admin');
    const setting = fc.record(
      {
        timeZone: fc.constantFrom('Asia/Seoul', 'UTC', 'America/New_York', 'Nowhere/Atlantis', '', 7),
        nightHours: fc.record({ start: fc.integer({ min: -1, max: 25 }), end: fc.integer({ min: -1, max: 25 }) }),
        hubOfflineMinutes: fc.oneof(fc.integer({ min: -5, max: 2000 }), fc.double(), fc.string()),
        ackTimeoutSeconds: fc.dictionary(
          fc.constantFrom('critical', 'high', 'low', 'bogus'),
          fc.oneof(fc.constant(null), fc.integer({ min: -1, max: 700_000 })),
        ),
      },
      { requiredKeys: [] },
    );
    await fc.assert(
      fc.asyncProperty(setting, async (body) => {
        const answer = await h.request<{ stored: Record<string, unknown> }>('PATCH', '/v1/organisation/settings', {
          token: admin,
          body,
        });
        expect([200, 422]).toContain(answer.status);
        if (answer.status !== 200) return;
        for (const key of Object.keys(body) as (keyof typeof OrganisationSettingRules)[]) {
          expect(usableSetting(key, answer.body.stored[key]), key).toEqual(answer.body.stored[key]);
        }
      }),
      { numRuns: 80 },
    );
  });
});
