import type { ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/database';
import { type SeededOrganisation, seedDemoOrganisation } from '../infra/demo-organisation';
import { TEST_JWT_SECRET } from '../infra/testing/functions';
import { injectSosAlert, spawnRealtimeProcess, stopInjectionServers, TestDashboard, tokenFor } from './testing';

let database: TestDatabase;
let org: SeededOrganisation;
const children: ChildProcess[] = [];
const open: TestDashboard[] = [];

/** A realtime node in its own OS process, on the test's database; resolves once it listens. */
async function spawnNode(name: string): Promise<{ child: ChildProcess; wsUrl: string }> {
  const { child, url } = await spawnRealtimeProcess({
    DATABASE_URL: database.url,
    JWT_SECRET: TEST_JWT_SECRET,
    NODE_ID: name,
    REALTIME_SWEEP_MS: '500',
  });
  children.push(child);
  return { child, wsUrl: `${url.replace('http://', 'ws://')}/ws` };
}

beforeAll(async () => {
  database = await createTestDatabase();
  org = await seedDemoOrganisation(database.db, { orgName: 'Kill Centre', slug: 'kill', residents: 40 });
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close()));
  for (const child of children.splice(0))
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

afterAll(async () => {
  await stopInjectionServers();
  await database.drop();
});

describe('a node killed mid-delivery', () => {
  test('SIGKILL while alerts are flowing, restart: every outstanding alert arrives, nothing is lost', async () => {
    const carer = org.logins.find((entry) => entry.role === 'caregiver');
    if (!carer) throw new Error('seed has no caregiver');
    const who = { staffId: carer.staffId, orgId: org.orgId, role: carer.role };
    const residents = await database.sql<{ residentId: string }[]>`
      select resident_id as "residentId" from assignments where staff_id = ${carer.staffId} and escalation_order = 1`;
    expect(residents.length).toBeGreaterThanOrEqual(20);

    const first = await spawnNode('doomed');
    let dashboard = await TestDashboard.connect(first.wsUrl, await tokenFor(who));
    open.push(dashboard);
    await dashboard.next('welcome');

    // Alerts keep coming; the node dies after the first one reached the dashboard, with the rest in flight.
    const raised: string[] = [];
    const injecting = (async () => {
      for (const { residentId } of residents) {
        raised.push((await injectSosAlert({ databaseUrl: database.url, org, residentId })).alertId);
      }
    })();
    const seen = await dashboard.next('alert');
    dashboard.send({ type: 'received', deliveryId: seen.deliveryId });
    first.child.kill('SIGKILL');
    await dashboard.closed;
    await injecting;
    const lastSeq = Math.max(...dashboard.of('alert').map((frame) => frame.seq));

    const outstanding = await database.sql<{ count: number }[]>`
      select count(*)::int as count from alert_deliveries where staff_id = ${carer.staffId} and state in ('pending', 'sent')`;
    expect(outstanding[0]?.count).toBeGreaterThan(0);

    const second = await spawnNode('successor');
    dashboard = await TestDashboard.connect(second.wsUrl, await tokenFor(who));
    open.push(dashboard);
    await dashboard.next('welcome');
    dashboard.send({ type: 'resume', lastSeq });
    await dashboard.next('resumed');

    const before = new Set(open[0]?.of('alert').map((frame) => frame.alert.id));
    const after = new Set(dashboard.of('alert').map((frame) => frame.alert.id));
    const everything = new Set([...before, ...after]);
    expect([...everything].sort()).toEqual([...raised].sort());

    // The doomed node may have sent more than the first frame before it died: those sit below lastSeq, are not
    // replayed, and are acknowledged from what the first connection received.
    const deliveries = new Set([...(open[0]?.of('alert') ?? []), ...dashboard.of('alert')].map((f) => f.deliveryId));
    for (const deliveryId of deliveries) dashboard.send({ type: 'ack', deliveryId });
    await expect
      .poll(
        async () =>
          (await database.sql`select 1 from alerts where id = any(${raised}::uuid[]) and status = 'acknowledged'`)
            .length,
        { timeout: 10_000 },
      )
      .toBe(raised.length);
    const [left] = await database.sql<{ count: number }[]>`
      select count(*)::int as count from alert_deliveries where staff_id = ${carer.staffId} and state in ('pending', 'sent')`;
    expect(left?.count).toBe(0);
  }, 60_000);
});
