import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../db/testing/database';
import { type RealtimeNode, startRealtimeNode } from '../../realtime/node';
import { nodeMetric, TestDashboard, testRealtimeConfig, tokenFor } from '../../realtime/testing';
import { type SeededOrganisation, seedDemoOrganisation } from '../demo-organisation';
import { freePort, request } from '../testing/tls-client';
import { type LocalNginx, startLocalNginx } from './local-nginx';

// The real nginx in front of two realtime nodes, one of them full (REALTIME_MAX_CONNECTIONS reached by a dashboard
// connected to it directly, which nginx cannot count): its 503 sends nginx on to the other node, so no dashboard
// coming through the entry point is turned away while another node has room.

let database: TestDatabase;
let org: SeededOrganisation;
let full: RealtimeNode;
let roomy: RealtimeNode;
let nginx: LocalNginx;
let dir: string;
const dashboards: TestDashboard[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  org = await seedDemoOrganisation(database.db, { orgName: 'Entry Centre', slug: 'entry-full' });
  full = await startRealtimeNode(
    testRealtimeConfig(database.url, { NODE_ID: 'full-node', REALTIME_MAX_CONNECTIONS: '1' }),
  );
  roomy = await startRealtimeNode(testRealtimeConfig(database.url, { NODE_ID: 'roomy-node' }));
  dir = mkdtempSync(join(tmpdir(), 'carewatch-full-node-'));
  nginx = await startLocalNginx({
    dir,
    functionsUpstream: '127.0.0.1:9',
    // The full node first: with no connections counted anywhere, least_conn tries it first.
    realtimeUpstream: [full, roomy].map((node) => node.url.replace('http://', '')).join(','),
    httpPort: await freePort(),
    httpsPort: await freePort(),
  });
});

afterAll(async () => {
  await Promise.all(dashboards.splice(0).map((dashboard) => dashboard.close()));
  await nginx?.stop();
  await Promise.all([full?.stop(), roomy?.stop()]);
  await database.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('nginx in front of a full node', () => {
  test('an upgrade the full node refuses with 503 is passed on to the next node', async () => {
    const caregiver = org.logins.find((entry) => entry.role === 'caregiver');
    if (!caregiver) throw new Error('seed has no caregiver');
    const token = await tokenFor({ staffId: caregiver.staffId, orgId: org.orgId, role: caregiver.role });
    const direct = await TestDashboard.connect(full.wsUrl, token);
    dashboards.push(direct);
    await direct.next('welcome');

    const ca = readFileSync(nginx.certificateFile);
    const wsUrl = `${nginx.httpsUrl.replace('https://', 'wss://')}/ws`;
    const nodes: string[] = [];
    for (let index = 0; index < 4; index++) {
      const dashboard = await TestDashboard.connect(wsUrl, token, { ca });
      dashboards.push(dashboard);
      nodes.push((await dashboard.next('welcome')).nodeId);
    }
    expect(nodes).toEqual(['roomy-node', 'roomy-node', 'roomy-node', 'roomy-node']);
    expect(full.registry.connections).toBe(1);
    // nginx did ask the full node (and was refused), rather than never trying it.
    expect(await nodeMetric(full.url, 'carewatch_realtime_connections_refused_total')).toBeGreaterThanOrEqual(1);

    // Only new dashboards pass the full node by: it still answers its health check (and WHEP) through nginx.
    const answeredBy = new Set<string>();
    for (let index = 0; index < 8; index++) {
      const response = await request(`${nginx.httpsUrl}/realtime/healthz`, { caFile: nginx.certificateFile });
      expect(response.status).toBe(200);
      answeredBy.add((JSON.parse(response.body) as { nodeId: string }).nodeId);
    }
    expect(answeredBy).toContain('full-node');
  });
});
