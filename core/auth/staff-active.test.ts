import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { activeStaffSequences } from '../../db/alerts/outstanding';
import { createTestDatabase, type TestDatabase } from '../../db/testing/database';
import { type SeededOrganisation, seedDemoOrganisation } from '../../infra/demo-organisation';
import { staffNoLongerActive, stillActiveStaff } from './staff-active';

describe('the "staff still active" rule', () => {
  let database: TestDatabase;
  let north: SeededOrganisation;
  let south: SeededOrganisation;
  beforeAll(async () => {
    database = await createTestDatabase();
    north = await seedDemoOrganisation(database.db, { orgName: 'North', slug: 'north' });
    south = await seedDemoOrganisation(database.db, { orgName: 'South', slug: 'south' });
  });
  afterAll(async () => {
    await database?.drop();
  });

  test('passes an active account in its own organisation; refuses a deactivated, unknown or other-org one', async () => {
    const [active, deactivated] = north.logins;
    if (!active || !deactivated) throw new Error('seed has too few logins');
    await database.sql`update staff set active = false where id = ${deactivated.staffId}`;
    const unknown = randomUUID();
    const passed = await stillActiveStaff(database.sql, [
      { staffId: active.staffId, orgId: north.orgId },
      { staffId: deactivated.staffId, orgId: north.orgId },
      { staffId: unknown, orgId: north.orgId },
      { staffId: south.logins[0]?.staffId ?? '', orgId: north.orgId },
    ]);
    expect([...passed]).toEqual([active.staffId]);
    expect(await stillActiveStaff(database.sql, [])).toEqual(new Set());
  });

  test('asked one at a time, and by dashboards starting sessions (activeStaffSequences), the answers are the same', async () => {
    const [active, , third] = north.logins;
    if (!active || !third) throw new Error('seed has too few logins');
    await database.sql`update staff set active = false where id = ${third.staffId}`;
    const cases = [
      { member: { staffId: active.staffId, orgId: north.orgId }, passes: true },
      { member: { staffId: third.staffId, orgId: north.orgId }, passes: false },
      { member: { staffId: randomUUID(), orgId: north.orgId }, passes: false },
      { member: { staffId: active.staffId, orgId: south.orgId }, passes: false },
    ];
    for (const { member, passes } of cases) {
      expect((await stillActiveStaff(database.sql, [member])).has(member.staffId), JSON.stringify(member)).toBe(passes);
    }
    const sessions = await activeStaffSequences(
      database.sql,
      cases.map(({ member }) => member),
    );
    expect(sessions.map((seq) => seq !== null)).toEqual(cases.map(({ passes }) => passes));
  });

  test('staffNoLongerActive answers exactly the members stillActiveStaff refuses', async () => {
    const [, , , fourth] = north.logins;
    if (!fourth) throw new Error('seed has too few logins');
    await database.sql`update staff set active = false where id = ${fourth.staffId}`;
    const members = [
      ...north.logins.map((login) => ({ staffId: login.staffId, orgId: north.orgId })),
      ...south.logins.map((login) => ({ staffId: login.staffId, orgId: south.orgId })),
      { staffId: randomUUID(), orgId: south.orgId },
    ];
    const passed = await stillActiveStaff(database.sql, members);
    const refused = await staffNoLongerActive(database.sql, members);
    expect(refused.sort()).toEqual(
      members
        .map((member) => member.staffId)
        .filter((id) => !passed.has(id))
        .sort(),
    );
    expect(refused).toContain(fourth.staffId);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    expect(await staffNoLongerActive(database.sql, [])).toEqual([]);
  });
});
