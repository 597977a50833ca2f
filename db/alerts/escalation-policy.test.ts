import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { type SeededOrganisation, seedDemoOrganisation } from '../../infra/demo-organisation';
import { defaultEscalationPolicies } from '../defaults';
import { createTestDatabase, type TestDatabase } from '../testing/database';
import { escalateDueAlerts } from './escalate';
import { raiseAlert } from './raise-alert';

describe('a malformed escalation policy never stops escalation', () => {
  let t: TestDatabase;
  let broken: SeededOrganisation;
  let sound: SeededOrganisation;

  beforeAll(async () => {
    t = await createTestDatabase();
    broken = await seedDemoOrganisation(t.db, { orgName: 'Broken Ladder', slug: 'broken' });
    sound = await seedDemoOrganisation(t.db, { orgName: 'Sound Ladder', slug: 'sound' });
    // A step without waitSeconds (make_interval would give NULL: never escalated again) and a string order.
    await t.sql`
      update escalation_policies
         set steps = ${JSON.stringify([{ notify: 'assigned', order: 'first' }, { notify: 'managers' }])}::text::jsonb
       where org_id = ${broken.orgId} and severity = 'critical'`;
  });
  afterAll(() => t.drop());

  const sos = (org: SeededOrganisation, index: number) => {
    const residentId = org.residents[index]?.id ?? '';
    return {
      orgId: org.orgId,
      residentId,
      kind: 'sos' as const,
      severity: 'critical' as const,
      dedupKey: `${residentId}:sos`,
      title: 'Emergency button pressed',
    };
  };

  test('a new alert under a malformed ladder is told and scheduled by the default one', async () => {
    const raised = await t.sql.begin((tx) => raiseAlert(tx, sos(broken, 0)));
    expect(raised.deliveries.length).toBeGreaterThan(0);
    const [alert] = await t.sql<{ waitSeconds: number }[]>`
      select round(extract(epoch from next_escalation_at - opened_at))::int as "waitSeconds"
        from alerts where id = ${raised.alertId}`;
    expect(alert?.waitSeconds).toBe(defaultEscalationPolicies.critical.steps[0]?.waitSeconds);
  });

  test("one organisation's malformed ladder does not hold back another organisation's escalation", async () => {
    const bad = await t.sql.begin((tx) => raiseAlert(tx, sos(broken, 1)));
    const good = await t.sql.begin((tx) => raiseAlert(tx, sos(sound, 0)));
    await t.sql`update alerts set next_escalation_at = now() - interval '1 second'
                 where id = any(${[bad.alertId, good.alertId]}::uuid[])`;
    const outcomes = await escalateDueAlerts(t.sql, 'node-test');
    const levelOf = (alertId: string) => outcomes.find((outcome) => outcome.alertId === alertId)?.level;
    expect(levelOf(good.alertId)).toBe(1);
    expect(levelOf(bad.alertId)).toBe(1);
    const [next] = await t.sql<{ scheduled: boolean }[]>`
      select next_escalation_at > now() as scheduled from alerts where id = ${bad.alertId}`;
    expect(next?.scheduled).toBe(true);
  });
});
