import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/database';
import { scrapeHistogram } from '../infra/bench/scraped-histogram';
import { type SeededOrganisation, seedDemoOrganisation } from '../infra/demo-organisation';
import { type RealtimeNode, startRealtimeNode } from './node';
import { injectSosAlert, stopInjectionServers, TestDashboard, testRealtimeConfig, tokenFor } from './testing';

let database: TestDatabase;
let node: RealtimeNode;
let org: SeededOrganisation;

beforeAll(async () => {
  database = await createTestDatabase();
  org = await seedDemoOrganisation(database.db, { orgName: 'Metrics Centre', slug: 'metrics' });
  node = await startRealtimeNode(testRealtimeConfig(database.url));
});

afterAll(async () => {
  await stopInjectionServers();
  await node.stop();
  await database.drop();
});

/** How many first sends the node has timed from each of its own timestamps. */
async function nodeShareCounts() {
  const text = await (await fetch(`${node.url}/metrics`)).text();
  return {
    notifyToFrame: scrapeHistogram(text, 'carewatch_realtime_notify_to_frame_seconds').count,
    claimToFrame: scrapeHistogram(text, 'carewatch_realtime_claim_to_frame_seconds').count,
  };
}

describe("the node's own share of delivery latency on /metrics", () => {
  test('a new alert is timed from its NOTIFY and from its claim; a backlog sent at connect only from its claim', async () => {
    const carer = org.logins.find((entry) => entry.role === 'caregiver');
    if (!carer) throw new Error('seed has no caregiver');
    const who = { staffId: carer.staffId, orgId: org.orgId, role: carer.role };
    const residents = await database.sql<{ residentId: string }[]>`
      select resident_id as "residentId" from assignments where staff_id = ${carer.staffId} and escalation_order = 1`;
    const [live, backlog] = residents;
    if (!live || !backlog) throw new Error('the caregiver needs two residents');

    const dashboard = await TestDashboard.connect(node.wsUrl, await tokenFor(who));
    await dashboard.next('welcome');
    const before = await nodeShareCounts();
    const raised = await injectSosAlert({ databaseUrl: database.url, org, residentId: live.residentId });
    const frame = await dashboard.next('alert', (alert) => alert.alert.id === raised.alertId);
    expect(await nodeShareCounts()).toEqual({
      notifyToFrame: before.notifyToFrame + 1,
      claimToFrame: before.claimToFrame + 1,
    });
    // A re-send is no first send: confirmed here, so nothing more is counted for it.
    dashboard.send({ type: 'received', deliveryId: frame.deliveryId });
    await dashboard.close();

    // Raised while nobody was connected: the NOTIFY found no socket here, the connection's backlog claims it.
    const missed = await injectSosAlert({ databaseUrl: database.url, org, residentId: backlog.residentId });
    const again = await TestDashboard.connect(node.wsUrl, await tokenFor(who));
    await again.next('alert', (alert) => alert.alert.id === missed.alertId);
    expect(await nodeShareCounts()).toEqual({
      notifyToFrame: before.notifyToFrame + 1,
      claimToFrame: before.claimToFrame + 2,
    });
    await again.close();
  });
});
