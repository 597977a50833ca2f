import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { freePort } from '../../infra/testing/tls-client';
import { type RealtimeNode, startRealtimeNode } from '../node';
import { testRealtimeConfig, tokenFor } from '../testing';
import {
  type CameraDatabase,
  type HttpWhepViewer,
  launchChromium,
  seedCameraDatabase,
  testCameraEnv,
  whepOverHttp,
} from './testing';
import type {} from './viewer-page';

// Two realtime nodes with their camera services on one database: each camera's feed is opened by the node holding
// its lease only, a WHEP viewer reaching the other node is forwarded to the owner and gets video, so does a dashboard
// connected to the other node (its signalling relayed), and a draining owner hands its cameras over at once. (A killed owner: multi-node-kill.test.ts, with nodes as OS processes.)

const RECHECK_MS = 250;
// Long enough that renewals delayed on a loaded machine never move a camera mid-test (the new owner's reconcile would
// close the viewed feed): here a camera moves only when its owner drains. Expiry is multi-node-kill.test.ts's.
const LEASE_MS = 5000;

let seeded: CameraDatabase;
let browser: Browser | undefined;
let rtpCameras: string[];
const nodes: RealtimeNode[] = [];
const viewers: HttpWhepViewer[] = [];

async function startNode(name: string): Promise<RealtimeNode> {
  const node = await startRealtimeNode(testRealtimeConfig(seeded.database.url, { NODE_ID: name }), '127.0.0.1', {
    cameraEnv: {
      ...testCameraEnv,
      CAMERA_ACCESS_RECHECK_MS: String(RECHECK_MS),
      CAMERA_FEED_LEASE_MS: String(LEASE_MS),
    },
  });
  nodes.push(node);
  return node;
}

const leases = () =>
  seeded.database.sql<{ cameraId: string; nodeId: string; nodeUrl: string }[]>`
    select camera_id as "cameraId", node_id as "nodeId", node_url as "nodeUrl" from camera_feed_leases
     where lease_until > now() order by camera_id`;

const ownerOf = async (cameraId: string) => (await leases()).find((lease) => lease.cameraId === cameraId)?.nodeId;

beforeAll(async () => {
  seeded = await seedCameraDatabase();
  // Two RTP cameras on fixed ports: two nodes opening both would clash on the ports.
  const ports = [await freePort(), await freePort()];
  const [residentId, orgId] = [seeded.residentId, seeded.orgId];
  rtpCameras = [];
  for (const [index, port] of ports.entries()) {
    const [row] = await seeded.database.sql<{ id: string }[]>`
      insert into cameras (org_id, resident_id, name, source, consent_given_by, consent_recorded_at)
      values (${orgId}, ${residentId}, ${`RTP camera ${index}`}, ${seeded.database.sql.json({ type: 'rtp', port })},
              'resident', now())
      returning id`;
    if (row) rtpCameras.push(row.id);
  }
});

afterEach(() => {
  for (const viewer of viewers.splice(0)) viewer.close();
});

afterAll(async () => {
  await browser?.close();
  for (const node of nodes.splice(0)) await node.stop().catch(() => {});
  await seeded?.database.drop();
});

describe('camera feeds across two nodes', () => {
  test('each camera is owned by exactly one node, and only the owner has its feed open', async () => {
    const [a, b] = [await startNode('cam-a'), await startNode('cam-b')];
    const allCameras = [seeded.cameraId, ...rtpCameras].sort();
    await expect
      .poll(async () => (await leases()).map((lease) => lease.cameraId), { timeout: 5000 })
      .toEqual(allCameras);
    // Two renewal rounds later nothing has moved, and the open RTP feeds are exactly each node's leases.
    await new Promise((resolve) => setTimeout(resolve, RECHECK_MS * 3));
    const held = await leases();
    const owner = new Map(held.map((lease) => [lease.cameraId, lease.nodeId]));
    for (const node of [a, b]) {
      const open = node.camera?.openFeeds() ?? [];
      for (const cameraId of open) expect(owner.get(cameraId)).toBe(node.nodeId);
      const ownedRtp = rtpCameras.filter((cameraId) => owner.get(cameraId) === node.nodeId).sort();
      expect([...open].sort()).toEqual(ownedRtp);
    }
    for (const lease of held) expect(lease.nodeUrl).toBe(lease.nodeId === a.nodeId ? a.url : b.url);
  });

  test('a WHEP viewer reaching the node that does not own the camera is forwarded and gets video', async () => {
    const owner = await ownerOf(seeded.cameraId);
    const [ownerNode, other] = nodes[0]?.nodeId === owner ? [nodes[0], nodes[1]] : [nodes[1], nodes[0]];
    if (!ownerNode || !other) throw new Error('two nodes expected');
    const token = await tokenFor(seeded.identities.manager);
    const viewer = await whepOverHttp(other.url, token, seeded.cameraId);
    viewers.push(viewer);
    expect(viewer.status).toBe(201);
    expect(viewer.location).toMatch(new RegExp(`^/whep/${seeded.cameraId}/[0-9a-f-]{36}$`));
    await viewer.waitForPackets(60).catch(async (error: Error) => {
      const sessions = nodes.map((node) => `${node.nodeId}: ${node.camera?.stats().sessions} session(s)`).join(', ');
      throw new Error(`${error.message}; leases ${JSON.stringify(await leases())}; ${sessions}`);
    });
    // The view runs on the owner only; the other node merely forwarded the offer.
    expect(ownerNode.camera?.stats().sessions).toBe(1);
    expect(other.camera?.stats().sessions).toBe(0);
    expect(other.camera?.openFeeds()).not.toContain(seeded.cameraId);

    // DELETE on the Location, sent to the non-owner too (as nginx may), ends the view on the owner.
    const deleted = await fetch(`${other.url}${viewer.location}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(deleted.status).toBe(200);
    await expect.poll(() => ownerNode.camera?.stats().sessions).toBe(0);
    // One view, one audit start row and one stop row — written by the owner, none by the forwarding node.
    await ownerNode.camera?.flushAudit();
    const sessionId = viewer.location?.split('/').pop() ?? '';
    const rows = await seeded.database.sql<{ action: string }[]>`
      select action from audit_log
       where actor_id = ${seeded.identities.manager.staffId} and details->>'sessionId' = ${sessionId} order by id`;
    expect(rows.map((row) => row.action)).toEqual(['camera.view.start', 'camera.view.stop']);
  });

  test("the forwarding node applies the same rules: a bad token is refused there, the owner's refusal is relayed", async () => {
    const owner = await ownerOf(seeded.cameraId);
    const other = nodes.find((node) => node.nodeId !== owner);
    if (!other) throw new Error('two nodes expected');
    const noToken = await fetch(`${other.url}/whep/${seeded.cameraId}`, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp' },
      body: 'v=0',
    });
    expect(noToken.status).toBe(401);
    const refused = await whepOverHttp(other.url, await tokenFor(seeded.identities.unassignedCarer), seeded.cameraId);
    expect(refused.status).toBe(404);
    for (const node of nodes) expect(node.camera?.stats().sessions).toBe(0);
  });

  test('a dashboard connected to the node that does not own the camera watches it: signalling relayed to the owner', async () => {
    const owner = await ownerOf(seeded.cameraId);
    const ownerNode = nodes.find((node) => node.nodeId === owner);
    const other = nodes.find((node) => node.nodeId !== owner);
    if (!ownerNode || !other) throw new Error('two nodes expected');
    browser = await launchChromium();
    const page = await browser.newPage();
    await page.goto(`${other.url}/camera/viewer`);
    const result = await page.evaluate((options) => window.camera.watchWebSocket(options), {
      url: other.wsUrl,
      cameraId: seeded.cameraId,
      token: await tokenFor(seeded.identities.admin, { ttlSeconds: 600 }),
    });
    expect(result.error).toBeUndefined();
    expect(result.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const stats = () => page.evaluate(() => window.camera.stats());
    await expect
      .poll(async () => (await stats()).framesDecoded, { timeout: 15_000, message: JSON.stringify(await stats()) })
      .toBeGreaterThan(0);
    expect((await stats()).states).toContain('camera live');
    expect(ownerNode.camera?.stats().sessions).toBe(1);
    expect(other.camera?.stats().sessions).toBe(0);
    await page.close(); // the dashboard socket closes: the relay closes, and the view on the owner ends
    await expect.poll(() => ownerNode.camera?.stats().sessions).toBe(0);
    await ownerNode.camera?.flushAudit();
    const rows = await seeded.database.sql<{ action: string; transport: string }[]>`
      select action, details->>'transport' as transport from audit_log
       where actor_id = ${seeded.identities.admin.staffId} and action like 'camera.view.%' order by id`;
    expect(rows).toEqual([
      { action: 'camera.view.start', transport: 'websocket' },
      { action: 'camera.view.stop', transport: 'websocket' },
    ]);
  });

  test("the relay's endpoints answer only a valid token, and only for a relay of that staff member", async () => {
    const node = nodes[0];
    if (!node) throw new Error('a node expected');
    const noToken = await fetch(`${node.url}/camera/relay/watch/${seeded.cameraId}`, { method: 'POST' });
    expect(noToken.status).toBe(401);
    const token = await tokenFor(seeded.identities.admin);
    for (const command of ['answer', 'candidate', 'stop', 'reauthenticate']) {
      const unknown = await fetch(`${node.url}/camera/relay/${crypto.randomUUID()}/${command}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{"sessionId":"x"}',
      });
      expect(unknown.status).toBe(404);
    }
  });

  test('a draining owner releases its leases: the other node takes every camera at once', async () => {
    const owners = new Set((await leases()).map((lease) => lease.nodeId));
    // Drain the node that owns the test-pattern camera (the other may own some or none of the rest).
    const owner = await ownerOf(seeded.cameraId);
    const draining = nodes.find((node) => node.nodeId === owner);
    const staying = nodes.find((node) => node.nodeId !== owner);
    if (!draining || !staying) throw new Error('two nodes expected');
    expect(owners.has(draining.nodeId)).toBe(true);
    await draining.stop();
    nodes.splice(nodes.indexOf(draining), 1);
    const released = performance.now();
    const allCameras = [seeded.cameraId, ...rtpCameras].sort();
    await expect
      .poll(async () => (await leases()).filter((lease) => lease.nodeId === staying.nodeId).map((l) => l.cameraId), {
        timeout: LEASE_MS / 2, // well inside the lease: it was released, not left to run out
        interval: 20,
      })
      .toEqual(allCameras);
    const tookOverMs = performance.now() - released;
    console.info(`drain: the other node held every lease ${tookOverMs.toFixed(0)} ms after the owner stopped`);
    await expect
      .poll(() => [...(staying.camera?.openFeeds() ?? [])].sort(), { timeout: 2000 })
      .toEqual(expect.arrayContaining([...rtpCameras].sort()));
    const viewer = await whepOverHttp(staying.url, await tokenFor(seeded.identities.admin), seeded.cameraId);
    viewers.push(viewer);
    expect(viewer.status).toBe(201);
    await viewer.waitForPackets(30);
  });
});
