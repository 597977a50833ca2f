import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { createTestDatabase, type TestDatabase } from '../db/testing/database';
import { type SeededOrganisation, seedDemoOrganisation } from '../infra/demo-organisation';
import { type RealtimeProcess, spawnRealtimeNode } from '../infra/realtime-processes';
import { TEST_JWT_SECRET } from '../infra/testing/functions';
import { type RealtimeNode, startRealtimeNode } from './node';
import { BEARER_PREFIX, PROTOCOL } from './protocol';
import {
  injectSosAlert,
  nodeMetric,
  stopInjectionServers,
  TestDashboard,
  testRealtimeConfig,
  tokenFor,
} from './testing';

// A node refuses dashboards before it runs out of open files: at its capacity it refuses new dashboards with 503
// (problem+json, Retry-After; nginx then tries the next node) and goes on working for the dashboards it holds. Before this, a node
// at its file limit spun a core on failing accepts, left upgrades hanging, stopped answering health checks, and its
// escalation sweep failed with EMFILE because its database pool could not reconnect.

let database: TestDatabase;
let org: SeededOrganisation;
const dashboards: TestDashboard[] = [];
const stops: (() => Promise<void>)[] = [];

const carer = () => {
  const person = org.logins.find((entry) => entry.role === 'caregiver');
  if (!person) throw new Error('seed has no caregiver');
  return { staffId: person.staffId, orgId: org.orgId, role: person.role };
};

beforeAll(async () => {
  database = await createTestDatabase();
  org = await seedDemoOrganisation(database.db, { orgName: 'Full Node Centre', slug: 'full-node' });
});

afterEach(async () => {
  await Promise.all(dashboards.splice(0).map((dashboard) => dashboard.close()));
  for (const stop of stops.splice(0)) await stop();
});

afterAll(async () => {
  await stopInjectionServers();
  await database.drop();
});

/** An upgrade the node is expected to refuse: its HTTP status, Retry-After and problem+json body. */
function refusedUpgrade(wsUrl: string, token: string) {
  return new Promise<{ status: number; retryAfter: string | undefined; type: string | undefined; body: unknown }>(
    (resolve, reject) => {
      const socket = new WebSocket(wsUrl, [PROTOCOL, `${BEARER_PREFIX}${token}`]);
      socket.once('open', () => {
        socket.terminate();
        reject(new Error('the upgrade was accepted'));
      });
      socket.once('error', (error) => reject(error));
      socket.once('unexpected-response', (_request, response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
        });
        response.on('end', () => {
          resolve({
            status: response.statusCode ?? 0,
            retryAfter: response.headers['retry-after'],
            type: response.headers['content-type'],
            body: JSON.parse(text),
          });
          socket.terminate();
        });
      });
    },
  );
}

async function connect(wsUrl: string, token: string): Promise<TestDashboard> {
  const dashboard = await TestDashboard.connect(wsUrl, token);
  dashboards.push(dashboard);
  await dashboard.next('welcome');
  return dashboard;
}

describe('a full node', () => {
  test('REALTIME_MAX_CONNECTIONS: the next upgrade gets 503 problem+json with Retry-After; a freed place is taken again', async () => {
    const node: RealtimeNode = await startRealtimeNode(
      testRealtimeConfig(database.url, { REALTIME_MAX_CONNECTIONS: '2' }),
    );
    stops.push(() => node.stop());
    const wsUrl = node.wsUrl;
    const token = await tokenFor(carer());
    const [first] = [await connect(wsUrl, token), await connect(wsUrl, token)];

    const refusal = await refusedUpgrade(wsUrl, token);
    expect(refusal).toMatchObject({
      status: 503,
      retryAfter: '5',
      type: 'application/problem+json',
      body: { status: 503, title: 'Service Unavailable' },
    });
    expect((refusal.body as { detail: string }).detail).toContain('maximum of 2 dashboard connections');
    const health = (await (await fetch(`${node.url}/healthz`)).json()) as Record<string, unknown>;
    expect(health).toMatchObject({ status: 'ok', connections: 2, maxConnections: 2, full: true });
    expect(await nodeMetric(node.url, 'carewatch_realtime_connections_refused_total')).toBe(1);
    expect(await nodeMetric(node.url, 'carewatch_realtime_max_connections')).toBe(2);

    await first?.close();
    await expect.poll(() => node.registry.connections).toBe(1);
    await connect(wsUrl, token);
    expect(node.registry.connections).toBe(2);
  });

  test('under a real open-file limit it takes dashboards up to it, refuses the rest, and keeps delivering alerts', async () => {
    // 400 files: half kept for the node itself (the reserve gives way to half of a small limit), 200 dashboards.
    const node: RealtimeProcess = await spawnRealtimeNode(
      { DATABASE_URL: database.url, JWT_SECRET: TEST_JWT_SECRET, NODE_ID: 'full', REALTIME_SWEEP_MS: '500' },
      { fileLimit: 400 },
    );
    stops.push(() => node.stop());
    const wsUrl = `${node.url.replace('http://', 'ws://')}/ws`;
    const token = await tokenFor(carer());
    for (let index = 0; index < 200; index++) await connect(wsUrl, token);

    // More than the limit could hold: each is refused at once, none hangs, and the node does not spin on accepts.
    for (let index = 0; index < 250; index++) {
      expect((await refusedUpgrade(wsUrl, token)).status).toBe(503);
    }
    const health = (await (await fetch(`${node.url}/healthz`, { signal: AbortSignal.timeout(5_000) })).json()) as {
      status: string;
      maxConnections: number;
      full: boolean;
    };
    expect(health).toMatchObject({ status: 'ok', maxConnections: 200, full: true });

    // The node still has files for its database: an SOS reaches every dashboard it holds, and a receipt is recorded.
    const [assigned] = await database.sql<{ residentId: string }[]>`
      select resident_id as "residentId" from assignments where staff_id = ${carer().staffId} and escalation_order = 1`;
    const residentId = assigned?.residentId;
    if (!residentId) throw new Error('the caregiver has no resident');
    const { alertId } = await injectSosAlert({ databaseUrl: database.url, org, residentId });
    const frames = await Promise.all(
      dashboards.map((dashboard) => dashboard.next('alert', (frame) => frame.alert.id === alertId)),
    );
    dashboards[0]?.send({ type: 'received', deliveryId: frames[0]?.deliveryId });
    await expect
      .poll(async () => {
        const rows = await database.sql<{ state: string }[]>`
          select state from alert_deliveries where alert_id = ${alertId} and staff_id = ${carer().staffId}`;
        return rows.every((row) => row.state === 'delivered') && rows.length > 0;
      })
      .toBe(true);
    expect(await nodeMetric(node.url, 'carewatch_realtime_connections_refused_total')).toBe(250);

    // A dashboard that leaves frees its place for the next.
    await dashboards.pop()?.close();
    await expect.poll(() => nodeMetric(node.url, 'carewatch_realtime_connections')).toBe(199);
    await connect(wsUrl, token);
  }, 60_000);
});
