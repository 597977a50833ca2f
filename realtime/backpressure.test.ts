import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/database';
import { type SeededOrganisation, seedDemoOrganisation } from '../infra/demo-organisation';
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

let database: TestDatabase;
let node: RealtimeNode;
let org: SeededOrganisation;

/** A real TCP client that completes the WebSocket handshake and then never reads: the slowest possible dashboard. */
async function stalledDashboard(token: string): Promise<Socket> {
  const socket = connect(node.port, '127.0.0.1');
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    [
      'GET /ws HTTP/1.1',
      `Host: 127.0.0.1:${node.port}`,
      'Upgrade: websocket',
      'Connection: Upgrade',
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
      'Sec-WebSocket-Version: 13',
      `Sec-WebSocket-Protocol: ${PROTOCOL}, ${BEARER_PREFIX}${token}`,
      '',
      '',
    ].join('\r\n'),
  );
  await new Promise((resolve) => socket.once('data', resolve));
  socket.pause();
  return socket;
}

const slowDrops = () => nodeMetric(node.url, 'carewatch_realtime_slow_clients_dropped_total');

beforeAll(async () => {
  database = await createTestDatabase();
  org = await seedDemoOrganisation(database.db, { orgName: 'Backpressure Centre', slug: 'slow', residents: 120 });
  node = await startRealtimeNode(testRealtimeConfig(database.url), '127.0.0.1', {
    sendQueue: { highWaterBytes: 64 * 1024, maxQueuedFrames: 10 },
  });
});

afterAll(async () => {
  await stopInjectionServers();
  await node.stop();
  await database.drop();
});

describe('a client that cannot keep up', () => {
  test('is dropped without holding up anyone else, and recovers everything by resume', async () => {
    const carer = org.logins.filter((entry) => entry.role === 'caregiver')[0];
    if (!carer) throw new Error('seed has no caregiver');
    const slowStaff = { staffId: carer.staffId, orgId: org.orgId, role: carer.role };
    const residents = await database.sql<{ residentId: string }[]>`
      select resident_id as "residentId" from assignments where staff_id = ${carer.staffId} and escalation_order = 1`;
    // Alerts of ~100 KB each (a long resident name): a few fill the socket buffers of a client that reads nothing.
    await database.sql`
      update residents set name = repeat('x', 100000) where id = any(${residents.map((row) => row.residentId)}::uuid[])`;
    const alertIds: string[] = [];
    const raise = async (from: number, to: number) => {
      for (const { residentId } of residents.slice(from, to)) {
        alertIds.push((await injectSosAlert({ databaseUrl: database.url, org, residentId })).alertId);
      }
    };
    // A backlog waiting before it connects is paced, never a reason to drop...
    await raise(0, 20);

    // The same person's other device: it is told every alert the stalled one is, and must get each of them.
    const healthy = await TestDashboard.connect(node.wsUrl, await tokenFor(slowStaff));
    await healthy.next('welcome');
    const stalled = await stalledDashboard(await tokenFor(slowStaff));
    await expect.poll(() => node.registry.connections).toBe(2);
    expect(await slowDrops()).toBe(0);
    // ...but live alerts piling up behind a client that reads nothing get it dropped.
    await raise(20, 60);
    await expect.poll(slowDrops, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    expect(node.registry.connections).toBe(1);
    stalled.destroy();

    // The other dashboard never noticed: every alert, backlog and live, reached it.
    const seenByHealthy = () => new Set(healthy.of('alert').map((frame) => frame.alert.id)).size;
    await expect.poll(seenByHealthy, { timeout: 15_000 }).toBe(alertIds.length);
    healthy.send({ type: 'ping', t: 7 });
    expect(await healthy.next('pong')).toEqual({ type: 'pong', t: 7 });
    await healthy.close();

    // Reconnect and resume from the beginning: every alert arrives, paced by the client, none lost.
    const back = await TestDashboard.connect(node.wsUrl, await tokenFor(slowStaff));
    await back.next('welcome');
    back.send({ type: 'resume', lastSeq: 0 });
    const resumed = await back.next('resumed', () => true, 30_000);
    expect(resumed.replayed).toBe(alertIds.length);
    const received = new Set(back.of('alert').map((frame) => frame.alert.id));
    expect([...received].sort()).toEqual([...alertIds].sort());
    expect(back.closeCode).toBeNull();
    await back.close();
  });
});
