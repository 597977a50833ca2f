import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../db/testing/database';
import { closeCodes } from '../../realtime/errors';
import {
  holdEscalation,
  injectSosAlert,
  ReconnectingDashboard,
  stopInjectionServers,
  tokenFor,
} from '../../realtime/testing';
import { type SeededOrganisation, seedDemoOrganisation } from '../demo-organisation';
import { type RealtimeProcess, spawnRealtimeNode } from '../realtime-processes';
import { TEST_JWT_SECRET } from '../testing/functions';
import { freePort } from '../testing/tls-client';
import { type LocalNginx, startLocalNginx } from './local-nginx';

// Three real realtime node processes behind the real nginx (least connections over `/ws`), on one database: a node
// that drains (SIGTERM) or dies (SIGKILL) loses no alert; its dashboards reconnect through nginx to the others and
// resume with no gap in their sequences.

const NODES = 3;
const DASHBOARDS = 6;

let database: TestDatabase;
let org: SeededOrganisation;
let residents: string[];
let residentCursor = 0;
const dirs: string[] = [];
const running: { nodes: RealtimeProcess[]; nginx?: LocalNginx; dashboards: ReconnectingDashboard[] } = {
  nodes: [],
  dashboards: [],
};

const carer = () => {
  const person = org.logins.find((entry) => entry.role === 'caregiver');
  if (!person) throw new Error('seed has no caregiver');
  return { staffId: person.staffId, orgId: org.orgId, role: person.role };
};

/** Three nodes and nginx in front of them; dashboards of the caregiver connected one after another through nginx. */
async function startCluster(): Promise<{ nodes: Map<string, RealtimeProcess>; dashboards: ReconnectingDashboard[] }> {
  const nodes = new Map<string, RealtimeProcess>();
  const names = Array.from({ length: NODES }, (_, index) => `node-${index + 1}-${Date.now()}`);
  for (const name of names) {
    const node = await spawnRealtimeNode({
      DATABASE_URL: database.url,
      JWT_SECRET: TEST_JWT_SECRET,
      NODE_ID: name,
      REALTIME_SWEEP_MS: '500',
    });
    running.nodes.push(node);
    nodes.set(name, node);
  }
  const dir = mkdtempSync(join(tmpdir(), 'carewatch-nodes-'));
  dirs.push(dir);
  const nginx = await startLocalNginx({
    dir,
    // Nothing here calls the API through nginx; the template still needs an address.
    functionsUpstream: '127.0.0.1:9',
    realtimeUpstream: [...nodes.values()].map((node) => node.url.replace('http://', '')).join(','),
    httpPort: await freePort(),
    httpsPort: await freePort(),
  });
  running.nginx = nginx;
  const token = await tokenFor(carer(), { ttlSeconds: 3600 });
  const wsUrl = `${nginx.httpsUrl.replace('https://', 'wss://')}/ws`;
  const ca = readFileSync(nginx.certificateFile);
  const dashboards: ReconnectingDashboard[] = [];
  for (let index = 0; index < DASHBOARDS; index++) {
    const dashboard = await ReconnectingDashboard.connect(wsUrl, token, { ca, retryMs: 100 });
    running.dashboards.push(dashboard);
    dashboards.push(dashboard);
  }
  return { nodes, dashboards };
}

async function raiseAlert(): Promise<string> {
  const residentId = residents[residentCursor++];
  if (!residentId) throw new Error('out of residents');
  return (await injectSosAlert({ databaseUrl: database.url, org, residentId })).alertId;
}

/** The caregiver's delivery sequences after `since`, from the database (one per alert raised since then). */
async function deliveriesAfter(since: number): Promise<{ id: string; seq: number; state: string }[]> {
  return database.sql<{ id: string; seq: number; state: string }[]>`
    select id, seq::int8 as seq, state from alert_deliveries
     where staff_id = ${carer().staffId} and seq > ${since} order by seq`;
}

/** Raises `count` alerts one after another while `during` runs; resolves with their ids once both are done. */
async function raiseWhile(count: number, during: Promise<unknown>): Promise<string[]> {
  const raised: string[] = [];
  await Promise.all([
    (async () => {
      for (let index = 0; index < count; index++) raised.push(await raiseAlert());
    })(),
    during,
  ]);
  return raised;
}

/** Every dashboard has seen exactly the sequences since[i]+1 … last: nothing missed, nothing skipped. */
async function expectNoGap(dashboards: ReconnectingDashboard[], since: number[]) {
  const last = Math.max(...(await deliveriesAfter(0)).map((row) => row.seq));
  await expect
    .poll(() => dashboards.map((dashboard) => Math.max(0, ...dashboard.seqs.values())), { timeout: 15_000 })
    .toEqual(dashboards.map(() => last));
  dashboards.forEach((dashboard, index) => {
    const first = (since[index] ?? 0) + 1;
    const seen = [...new Set(dashboard.seqs.values())].filter((seq) => seq >= first).sort((a, b) => a - b);
    expect(seen, `dashboard ${index}`).toEqual(Array.from({ length: last - first + 1 }, (_, offset) => first + offset));
  });
}

/** The database: every delivery since `since` recorded as delivered; then acknowledged, and every alert with it. */
async function expectNothingLost(dashboard: ReconnectingDashboard, since: number, alertIds: string[]) {
  await expect
    .poll(async () => (await deliveriesAfter(since)).map((row) => row.state))
    .toEqual(alertIds.map(() => 'delivered'));
  const rows = await deliveriesAfter(since);
  for (const row of rows) dashboard.send({ type: 'ack', deliveryId: row.id });
  await expect
    .poll(async () => (await deliveriesAfter(since)).filter((row) => row.state === 'acknowledged').length)
    .toBe(alertIds.length);
  const alerts = await database.sql<
    { status: string }[]
  >`select status from alerts where id = any(${alertIds}::uuid[])`;
  expect(alerts.map((alert) => alert.status)).toEqual(alertIds.map(() => 'acknowledged'));
}

/** How many of these dashboards each node holds. */
function countByNode(dashboards: ReconnectingDashboard[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const dashboard of dashboards) counts.set(dashboard.node ?? '?', (counts.get(dashboard.node ?? '?') ?? 0) + 1);
  return counts;
}

beforeAll(async () => {
  database = await createTestDatabase();
  org = await seedDemoOrganisation(database.db, { orgName: 'Nodes Centre', slug: 'nodes', residents: 40 });
  residents = (
    await database.sql<{ residentId: string }[]>`
      select resident_id as "residentId" from assignments
       where staff_id = ${carer().staffId} and escalation_order = 1 order by resident_id`
  ).map((row) => row.residentId);
});

afterEach(async () => {
  await Promise.all(running.dashboards.splice(0).map((dashboard) => dashboard.close()));
  await running.nginx?.stop();
  running.nginx = undefined;
  for (const node of running.nodes.splice(0)) if (node.child.exitCode === null) node.child.kill('SIGKILL');
});

afterAll(async () => {
  await stopInjectionServers();
  await database.drop();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('N realtime nodes behind nginx', () => {
  test('dashboards spread over the nodes; a draining node (SIGTERM) hands its dashboards over with 1012 and no alert is lost', async () => {
    await holdEscalation(database.sql, org.orgId, 60);
    const { nodes, dashboards } = await startCluster();
    expect([...countByNode(dashboards).values()]).toEqual([2, 2, 2]);
    const since = dashboards.map((dashboard) => dashboard.lastSeq);
    const before = [await raiseAlert()];
    await expectNoGap(dashboards, since);

    const [drainingName, draining] = [...nodes.entries()][0] ?? [];
    if (!draining || !drainingName) throw new Error('no node');
    const moved = dashboards.filter((dashboard) => dashboard.node === drainingName);
    const started = performance.now();
    const during = await raiseWhile(5, draining.stop());
    const drainMs = performance.now() - started;
    const after = [await raiseAlert(), await raiseAlert()];

    expect(draining.child.exitCode).toBe(0);
    await expect.poll(() => moved.map((dashboard) => dashboard.reconnects.at(-1)?.toNode)).not.toContain(undefined);
    for (const dashboard of moved) {
      const reconnect = dashboard.reconnects.at(-1);
      expect(reconnect?.code).toBe(closeCodes.draining);
      expect(reconnect?.fromNode).toBe(drainingName);
      expect([...nodes.keys()]).toContain(reconnect?.toNode);
      expect(reconnect?.toNode).not.toBe(drainingName);
    }
    expect(dashboards.filter((dashboard) => !moved.includes(dashboard)).every((d) => d.reconnects.length === 0)).toBe(
      true,
    );
    await expectNoGap(dashboards, since);
    await expectNothingLost(dashboards[0] as ReconnectingDashboard, Math.min(...since), [
      ...before,
      ...during,
      ...after,
    ]);
    console.log(
      `drain: node exited in ${Math.round(drainMs)} ms; its ${moved.length} dashboards were back (welcome on another ` +
        `node) ${moved.map((dashboard) => Math.round(dashboard.reconnects.at(-1)?.ms ?? -1)).join(', ')} ms after 1012`,
    );
  }, 90_000);

  test('a node killed (SIGKILL) while alerts are raised: its dashboards reconnect through nginx to the others, no gap', async () => {
    await holdEscalation(database.sql, org.orgId, 60);
    const { nodes, dashboards } = await startCluster();
    const since = dashboards.map((dashboard) => dashboard.lastSeq);
    const before = [await raiseAlert()];
    await expectNoGap(dashboards, since);

    const [doomedName, doomed] = [...nodes.entries()][1] ?? [];
    if (!doomed || !doomedName) throw new Error('no node');
    const moved = dashboards.filter((dashboard) => dashboard.node === doomedName);
    expect(moved.length).toBeGreaterThan(0);
    const killed = new Promise((resolve) => doomed.child.once('exit', resolve));
    const during = await raiseWhile(
      5,
      (async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        doomed.child.kill('SIGKILL');
        await killed;
      })(),
    );
    const after = [await raiseAlert(), await raiseAlert()];

    await expect.poll(() => moved.map((dashboard) => dashboard.reconnects.at(-1)?.toNode)).not.toContain(undefined);
    for (const dashboard of moved) {
      const reconnect = dashboard.reconnects.at(-1);
      expect(reconnect?.code).toBe(1006);
      expect(reconnect?.toNode).not.toBe(doomedName);
    }
    await expectNoGap(dashboards, since);
    await expectNothingLost(dashboards[0] as ReconnectingDashboard, Math.min(...since), [
      ...before,
      ...during,
      ...after,
    ]);
    console.log(
      `kill: ${moved.length} dashboards back on another node ` +
        `${moved.map((dashboard) => Math.round(dashboard.reconnects.at(-1)?.ms ?? -1)).join(', ')} ms after the close`,
    );
  }, 90_000);
});
