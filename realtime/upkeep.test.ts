import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/database';
import { type SeededOrganisation, seedDemoOrganisation } from '../infra/demo-organisation';
import { closeCodes } from './errors';
import { type RealtimeNode, startRealtimeNode } from './node';
import { TestDashboard, testRealtimeConfig, tokenFor } from './testing';

describe('connection upkeep: ping frames and deactivated staff', () => {
  let database: TestDatabase;
  let node: RealtimeNode;
  let org: SeededOrganisation;

  beforeAll(async () => {
    database = await createTestDatabase();
    org = await seedDemoOrganisation(database.db, { orgName: 'Upkeep Centre', slug: 'upkeep' });
    node = await startRealtimeNode(
      testRealtimeConfig(database.url, { REALTIME_PING_SECONDS: '1', REALTIME_STAFF_RECHECK_SECONDS: '1' }),
    );
  });
  afterAll(async () => {
    await node.stop();
    await database.drop();
  });

  const person = (role: 'caregiver' | 'manager') => {
    const login = org.logins.find((entry) => entry.role === role);
    if (!login) throw new Error(`seed has no ${role}`);
    return { staffId: login.staffId, orgId: org.orgId, role: login.role };
  };

  test('every dashboard gets ping frames from the node, even with no alert to send', async () => {
    const client = await TestDashboard.connect(node.wsUrl, await tokenFor(person('manager')));
    await client.next('welcome');
    const ping = await client.next('ping', () => true, 5000);
    expect(ping.t).toBeGreaterThan(Date.now() - 10_000);
    await client.close();
  });

  test("a deactivated staff member's dashboard is closed with 4001; others stay open", async () => {
    const carer = person('caregiver');
    const deactivated = await TestDashboard.connect(node.wsUrl, await tokenFor(carer));
    const colleague = await TestDashboard.connect(node.wsUrl, await tokenFor(person('manager')));
    await Promise.all([deactivated.next('welcome'), colleague.next('welcome')]);
    await database.sql`update staff set active = false where id = ${carer.staffId}`;
    expect(await deactivated.closed).toBe(closeCodes.unauthorized);
    colleague.send({ type: 'ping', t: 3 });
    expect(await colleague.next('pong', (frame) => frame.t === 3)).toEqual({ type: 'pong', t: 3 });
    expect(colleague.closeCode).toBeNull();
    await colleague.close();
  });
});
