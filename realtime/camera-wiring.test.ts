import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { StaffIdentity } from '../core/auth/access-token';
import { createTestDatabase, type TestDatabase } from '../db/testing/database';
import { type SeededOrganisation, seedDemoOrganisation } from '../infra/demo-organisation';
import type { CameraSignalling } from './camera-signalling';
import { type RealtimeNode, startRealtimeNode } from './node';
import type { ServerFrame } from './protocol';
import { TestDashboard, testRealtimeConfig, tokenFor } from './testing';

/**
 * A minimal camera service that answers like the real one would (an offer, then state frames) and records what
 * the connection asked of it: this tests the node's side of the CameraSignalling contract, not WebRTC.
 */
class EchoCamera implements CameraSignalling {
  readonly calls: string[] = [];
  private readonly senders = new Map<string, (frame: ServerFrame) => void>();

  async watch(identity: StaffIdentity, connectionId: string, cameraId: string, send: (frame: ServerFrame) => void) {
    this.calls.push(`watch ${identity.staffId} ${cameraId}`);
    this.senders.set(connectionId, send);
    send({ type: 'camera.offer', sessionId: 's1', cameraId, sdp: 'v=0', iceServers: [] });
  }
  async answer(connectionId: string, sessionId: string, sdp: string) {
    this.calls.push(`answer ${sessionId} ${sdp}`);
    this.senders.get(connectionId)?.({ type: 'camera.state', sessionId, cameraId: 'c', state: 'live' });
  }
  candidate(_connectionId: string, sessionId: string, candidate: string, mid?: string) {
    this.calls.push(`candidate ${sessionId} ${candidate} ${mid}`);
  }
  async stop(_connectionId: string, sessionId: string) {
    this.calls.push(`stop ${sessionId}`);
  }
  async disconnect(connectionId: string) {
    this.calls.push(`disconnect ${this.senders.has(connectionId)}`);
  }
  reauthenticate(connectionId: string, identity: StaffIdentity) {
    this.calls.push(`reauthenticate ${this.senders.has(connectionId)} ${identity.staffId}`);
  }
}

let database: TestDatabase;
let node: RealtimeNode;
let org: SeededOrganisation;
const camera = new EchoCamera();

beforeAll(async () => {
  database = await createTestDatabase();
  org = await seedDemoOrganisation(database.db, { orgName: 'Camera Wiring Centre', slug: 'camwire' });
  node = await startRealtimeNode(testRealtimeConfig(database.url), '127.0.0.1', {
    camera,
    routes: (app) => app.get('/whep/ping', (res) => void res.end('whep routes live here')),
  });
});

afterAll(async () => {
  await node.stop();
  await database.drop();
});

describe('camera signalling and extra routes on the node', () => {
  test('camera.* frames reach the configured service; closing the socket disconnects its sessions', async () => {
    const admin = org.logins.find((entry) => entry.role === 'admin');
    if (!admin) throw new Error('seed has no admin');
    const client = await TestDashboard.connect(
      node.wsUrl,
      await tokenFor({ staffId: admin.staffId, orgId: org.orgId, role: 'admin' }),
    );
    await client.next('welcome');
    client.send({ type: 'camera.watch', cameraId: org.cameraId });
    expect(await client.next('camera.offer')).toMatchObject({ sessionId: 's1', cameraId: org.cameraId });
    client.send({ type: 'camera.answer', sessionId: 's1', sdp: 'answer-sdp' });
    expect(await client.next('camera.state')).toMatchObject({ state: 'live' });
    client.send({ type: 'camera.candidate', sessionId: 's1', candidate: 'candidate:1', mid: '0' });
    // A token refresh on the connection moves its camera views to the new token (they must not end with the old).
    client.send({ type: 'auth', token: await tokenFor({ staffId: admin.staffId, orgId: org.orgId, role: 'admin' }) });
    await expect.poll(() => camera.calls.length).toBe(4);
    client.send({ type: 'camera.stop', sessionId: 's1' });
    await expect.poll(() => camera.calls.length).toBe(5);
    await client.close();
    await expect.poll(() => camera.calls.at(-1)).toBe('disconnect true');
    expect(camera.calls).toEqual([
      `watch ${admin.staffId} ${org.cameraId}`,
      'answer s1 answer-sdp',
      'candidate s1 candidate:1 0',
      `reauthenticate true ${admin.staffId}`,
      'stop s1',
      'disconnect true',
    ]);
  });

  test('routes registered through options.routes are served by the same uWS app', async () => {
    const response = await fetch(`${node.url}/whep/ping`);
    expect(await response.text()).toBe('whep routes live here');
  });
});
