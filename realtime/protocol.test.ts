import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import WebSocket from 'ws';
import { createTestDatabase, type TestDatabase } from '../db/testing/database';
import { type SeededOrganisation, seedDemoOrganisation } from '../infra/demo-organisation';
import { closeCodes, errors } from './errors';
import { type RealtimeNode, startRealtimeNode } from './node';
import { PROTOCOL } from './protocol';
import { injectSosAlert, stopInjectionServers, TestDashboard, testRealtimeConfig, tokenFor } from './testing';

let database: TestDatabase;
let node: RealtimeNode;
let org: SeededOrganisation;
const open: TestDashboard[] = [];

function carer() {
  const person = org.logins.find((entry) => entry.role === 'caregiver');
  if (!person) throw new Error('seed has no caregiver');
  return { staffId: person.staffId, orgId: org.orgId, role: person.role };
}

async function connect(token: string, options: { firstFrame?: boolean } = {}) {
  const client = await TestDashboard.connect(node.wsUrl, token, options);
  open.push(client);
  return client;
}

/** The HTTP status of a refused upgrade. */
function refusedWith(protocols: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(node.wsUrl, protocols);
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('open', () => {
      socket.close();
      reject(new Error('upgrade was accepted'));
    });
    socket.once('error', () => {});
  });
}

beforeAll(async () => {
  database = await createTestDatabase();
  org = await seedDemoOrganisation(database.db, { orgName: 'Protocol Centre', slug: 'protocol' });
  node = await startRealtimeNode(testRealtimeConfig(database.url, { REALTIME_AUTH_TIMEOUT_MS: '300' }));
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((client) => client.close()));
});

afterAll(async () => {
  await stopInjectionServers();
  await node.stop();
  await database.drop();
});

describe('authentication', () => {
  test('a token in the subprotocol binds the connection to the staff member and organisation', async () => {
    const client = await connect(await tokenFor(carer()));
    expect(client.socket.protocol).toBe(PROTOCOL);
    expect(await client.next('welcome')).toMatchObject({
      staffId: carer().staffId,
      orgId: org.orgId,
      nodeId: node.nodeId,
      lastSeq: 0,
    });
  });

  test('a token in the first frame works too', async () => {
    const client = await connect(await tokenFor(carer()), { firstFrame: true });
    expect((await client.next('welcome')).staffId).toBe(carer().staffId);
  });

  test.each([
    ['signed with another secret', async () => tokenFor(carer(), { secret: 'x'.repeat(48) })],
    ['expired', async () => tokenFor(carer(), { ttlSeconds: 60, now: Math.floor(Date.now() / 1000) - 3600 })],
    ['garbage', async () => 'not-a-jwt'],
    ['for another organisation than the staff row', async () => tokenFor({ ...carer(), orgId: crypto.randomUUID() })],
  ])('a token %s in the subprotocol is refused: closed with 4001, never welcomed', async (_name, token) => {
    const client = await connect(await token());
    expect(await client.closed).toBe(closeCodes.unauthorized);
    expect(client.frames).toEqual([]);
  });

  test('a deactivated staff member is refused', async () => {
    const manager = org.logins.find((entry) => entry.role === 'manager');
    if (!manager) throw new Error('seed has no manager');
    await database.sql`update staff set active = false where id = ${manager.staffId}`;
    const client = await connect(await tokenFor({ staffId: manager.staffId, orgId: org.orgId, role: 'manager' }));
    expect(await client.closed).toBe(closeCodes.unauthorized);
    expect(client.frames).toEqual([]);
  });

  test('frames sent right after the upgrade wait for the token check instead of being refused', async () => {
    const client = await connect(await tokenFor(carer()));
    client.send({ type: 'ping', t: 5 });
    expect(await client.next('pong')).toEqual({ type: 'pong', t: 5 });
    expect(client.frames[0]?.type).toBe('welcome');
  });

  test('frames sent right behind a first-frame auth wait for it instead of being refused', async () => {
    const client = await connect(await tokenFor(carer()), { firstFrame: true });
    client.send({ type: 'ping', t: 6 });
    expect(await client.next('pong')).toEqual({ type: 'pong', t: 6 });
    expect(client.frames[0]?.type).toBe('welcome');
    expect(client.closeCode).toBeNull();
  });

  test('without the carewatch.v1 subprotocol the upgrade is refused with 400', async () => {
    expect(await refusedWith(['chat'])).toBe(400);
  });

  test.each(['resume.', 'resume.-1', 'resume.1e3', 'resume.99999999999999999'])(
    'a malformed %s subprotocol is refused with 400',
    async (resume) => {
      expect(await refusedWith([PROTOCOL, resume])).toBe(400);
    },
  );

  test('a connection closes when its token expires, unless refreshed with an auth frame', async () => {
    const now = Math.floor(Date.now() / 1000);
    const expiring = await connect(await tokenFor(carer(), { ttlSeconds: 2 }));
    await expiring.next('welcome');
    const refreshed = await connect(await tokenFor(carer(), { ttlSeconds: 2 }));
    await refreshed.next('welcome');
    refreshed.send({ type: 'auth', token: await tokenFor(carer(), { ttlSeconds: 600, now }) });
    expect(await expiring.closed).toBe(closeCodes.tokenExpired);
    refreshed.send({ type: 'ping', t: 1 });
    expect(await refreshed.next('pong')).toEqual({ type: 'pong', t: 1 });
    expect(refreshed.closeCode).toBeNull();
  });

  test("a refresh with another staff member's token is refused", async () => {
    const client = await connect(await tokenFor(carer()));
    await client.next('welcome');
    const manager = org.logins.find((entry) => entry.role === 'admin');
    if (!manager) throw new Error('seed has no admin');
    client.send({ type: 'auth', token: await tokenFor({ staffId: manager.staffId, orgId: org.orgId, role: 'admin' }) });
    expect(await client.next('error')).toMatchObject({ code: errors.alreadyAuthenticated.code });
  });

  test('a bad token in the first frame closes the socket as unauthorized', async () => {
    const client = await connect('not-a-jwt', { firstFrame: true });
    expect(await client.closed).toBe(closeCodes.unauthorized);
  });

  test('more than 10 resumes a minute on one connection get error 1009, and the connection stays open', async () => {
    const client = await connect(await tokenFor(carer()));
    await client.next('welcome');
    for (let round = 0; round < 10; round++) {
      client.send({ type: 'resume', lastSeq: 0 });
      await client.next('resumed', () => client.of('resumed').length > round);
    }
    client.send({ type: 'resume', lastSeq: 0 });
    expect(await client.next('error')).toMatchObject({ code: errors.resumeTooOften.code, retryable: true });
    client.send({ type: 'ping', t: 9 });
    expect(await client.next('pong', (frame) => frame.t === 9)).toEqual({ type: 'pong', t: 9 });
    expect(client.of('resumed')).toHaveLength(10);
  });

  test('a command before authentication gets an error frame and the socket is closed', async () => {
    const anonymous = new WebSocket(node.wsUrl, [PROTOCOL]);
    const frames: { type: string; code?: number }[] = [];
    anonymous.on('message', (data) => frames.push(JSON.parse(String(data))));
    await new Promise((resolve) => anonymous.once('open', resolve));
    anonymous.send(JSON.stringify({ type: 'resume', lastSeq: 0 }));
    const code = await new Promise<number>((resolve) => anonymous.once('close', resolve));
    expect(code).toBe(closeCodes.unauthorized);
    expect(frames).toContainEqual(expect.objectContaining({ type: 'error', code: errors.notAuthenticated.code }));
  });

  test('no auth frame within the deadline closes the socket', async () => {
    const anonymous = new WebSocket(node.wsUrl, [PROTOCOL]);
    const code = await new Promise<number>((resolve) => anonymous.once('close', resolve));
    expect(code).toBe(closeCodes.authTimeout);
  });
});

describe('bad frames', () => {
  test.each([
    ['not JSON', '{nope'],
    ['an unknown type', JSON.stringify({ type: 'explode' })],
    ['a bad delivery id', JSON.stringify({ type: 'received', deliveryId: 'not-a-uuid' })],
    ['a negative sequence', JSON.stringify({ type: 'resume', lastSeq: -1 })],
    ['a JSON array', '[1,2,3]'],
  ])('%s gets a numbered error frame and the connection stays usable', async (_name, text) => {
    const client = await connect(await tokenFor(carer()));
    await client.next('welcome');
    client.socket.send(text);
    expect(await client.next('error')).toMatchObject({ code: errors.badFrame.code, retryable: false });
    client.send({ type: 'ping', t: 42 });
    expect(await client.next('pong')).toEqual({ type: 'pong', t: 42 });
  });

  test('a receipt for a delivery that is not yours is rejected', async () => {
    const client = await connect(await tokenFor(carer()));
    await client.next('welcome');
    client.send({ type: 'received', deliveryId: crypto.randomUUID() });
    expect(await client.next('error')).toMatchObject({ code: errors.unknownDelivery.code });
  });

  test('camera frames without a camera service get "camera service unavailable"', async () => {
    const client = await connect(await tokenFor(carer()));
    await client.next('welcome');
    client.send({ type: 'camera.watch', cameraId: org.cameraId });
    expect(await client.next('error')).toMatchObject({
      code: errors.cameraUnavailable.code,
      message: 'camera service unavailable',
      retryable: true,
    });
  });

  test('repeated abuse closes the socket; the node keeps serving others', async () => {
    const abuser = await connect(await tokenFor(carer()));
    await abuser.next('welcome');
    for (let index = 0; index < 20; index++) abuser.socket.send('garbage');
    expect(await abuser.closed).toBe(closeCodes.abuse);
    const healthy = await connect(await tokenFor(carer()));
    expect((await healthy.next('welcome')).staffId).toBe(carer().staffId);
  });
});

describe('HTTP on the node', () => {
  test('GET /metrics exposes connections, deliveries by state, latency histogram and escalations', async () => {
    const client = await connect(await tokenFor(carer()));
    await client.next('welcome');
    const [assignment] = await database.sql<{ residentId: string }[]>`
      select resident_id as "residentId" from assignments where staff_id = ${carer().staffId} and escalation_order = 1`;
    if (!assignment) throw new Error('no assignment');
    const raised = await injectSosAlert({ databaseUrl: database.url, org, residentId: assignment.residentId });
    await client.next('alert', (frame) => frame.alert.id === raised.alertId);

    const response = await fetch(`${node.url}/metrics`);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toMatch(/^carewatch_realtime_connections\{node="[^"]+"\} [1-9]\d*$/m);
    // This client sends no receipt: the alert's delivery is still sent.
    expect(text).toMatch(/^carewatch_alert_deliveries_outstanding\{state="sent"\} [1-9]\d*$/m);
    expect(text).toMatch(/^carewatch_alert_deliveries_outstanding\{state="pending"\} \d+$/m);
    expect(text).toMatch(/^carewatch_realtime_delivery_latency_seconds_count\{node="[^"]+"\} [1-9]\d*$/m);
    expect(text).toMatch(/^carewatch_realtime_escalations_total\{node="[^"]+"\} \d+$/m);
  });
});
