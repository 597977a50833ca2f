import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../db/testing/database';
import { type SeededOrganisation, seedDemoOrganisation } from '../infra/demo-organisation';
import { type RealtimeNode, startRealtimeNode } from './node';
import { BEARER_PREFIX, PROTOCOL } from './protocol';
import { TestDashboard, testRealtimeConfig, tokenFor } from './testing';

let database: TestDatabase;
let node: RealtimeNode;
let org: SeededOrganisation;

beforeAll(async () => {
  database = await createTestDatabase();
  org = await seedDemoOrganisation(database.db, { orgName: 'Liveness Centre', slug: 'liveness' });
  node = await startRealtimeNode(testRealtimeConfig(database.url, { REALTIME_IDLE_TIMEOUT_SECONDS: '8' }));
});

afterAll(async () => {
  await node.stop();
  await database.drop();
});

describe('dead connections', () => {
  test('a peer that vanished without closing (no pongs, nothing read) is detected and removed', async () => {
    const carer = org.logins.find((entry) => entry.role === 'caregiver');
    if (!carer) throw new Error('seed has no caregiver');
    const token = await tokenFor({ staffId: carer.staffId, orgId: org.orgId, role: carer.role });
    // A healthy dashboard (the ws client answers pings) stays through the same period.
    const healthy = await TestDashboard.connect(node.wsUrl, token);
    await healthy.next('welcome');

    const socket = connect(node.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.write(
      `GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n` +
        `Sec-WebSocket-Protocol: ${PROTOCOL}, ${BEARER_PREFIX}${token}\r\n\r\n`,
    );
    await new Promise((resolve) => socket.once('data', resolve));
    // From now on this peer is a dead phone: it reads nothing and answers nothing.
    socket.pause();
    await expect.poll(() => node.registry.connections).toBe(2);
    await expect.poll(() => node.registry.connections, { timeout: 25_000, interval: 500 }).toBe(1);
    // The answering one outlives more than a whole idle timeout.
    await new Promise((resolve) => setTimeout(resolve, 10_000));
    expect(node.registry.connections).toBe(1);
    expect(healthy.closeCode).toBeNull();
    socket.destroy();
    await healthy.close();
  }, 40_000);
});
