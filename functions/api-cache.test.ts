import { hc } from 'hono/client';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { resolveAlert } from '../db/alerts/resolve';
import { startTestBridge } from '../infra/redis-rest-bridge/testing';
import { type ApiHarness, startApiHarness } from '../infra/testing/api-harness';
import type { AppType } from './app';

type Bridge = Awaited<ReturnType<typeof startTestBridge>>;
interface Profile {
  name: string;
  phone: string | null;
  assignedStaff: { staffId: string; name: string }[];
  openAlerts: { id: string; kind: string; status: string }[];
  cameras: {
    id: string;
    name: string;
    room: string | null;
    residentId: string;
    enabled: boolean;
    consent: boolean;
    eventMediaConsent: boolean;
  }[];
}

describe.each(['memory', 'upstash'] as const)('read-through cache on %s (Node server, real PostgreSQL)', (kind) => {
  let h: ApiHarness;
  let bridge: Bridge | undefined;
  let admin: string;
  beforeAll(async () => {
    bridge = kind === 'upstash' ? await startTestBridge() : undefined;
    h = await startApiHarness(
      bridge ? { UPSTASH_REDIS_REST_URL: bridge.url, UPSTASH_REDIS_REST_TOKEN: bridge.token } : {},
    );
    admin = await h.tokenFor('own', 'admin');
  });
  afterAll(async () => {
    await h.stop();
    await bridge?.close();
  });

  const profile = (id: string, token = admin) => h.request<Profile>('GET', `/v1/residents/${id}`, { token });

  test('health names the cache and reports it up', async () => {
    const health = await h.request('GET', '/healthz');
    expect(health.body).toMatchObject({ status: 'ok', cache: { kind, ok: true } });
  });

  test('a resident profile is a miss, then a hit; a PATCH invalidates it', async () => {
    const id = h.orgs.own.residents[0]?.id ?? '';
    expect((await profile(id)).headers.get('x-cache')).toBe('miss');
    const hit = await profile(id);
    expect(hit.headers.get('x-cache')).toBe('hit');
    await h.request('PATCH', `/v1/residents/${id}`, { token: admin, body: { phone: '010-2020-3030' } });
    const after = await profile(id);
    expect(after.headers.get('x-cache')).toBe('miss');
    expect(after.body.phone).toBe('010-2020-3030');
    expect((await profile(id)).headers.get('x-cache')).toBe('hit');
  });

  test('a cached profile still applies the caregiver rule', async () => {
    const id = h.orgs.own.residents[1]?.id ?? '';
    await profile(id);
    expect((await profile(id)).headers.get('x-cache')).toBe('hit');
    // carer1 backs up resident 1; after the assignment is removed the cached profile must not be shown to them.
    const carer = h.loginOf('own', 'caregiver');
    const carerToken = await h.tokenFor('own', 'caregiver');
    expect((await profile(id, carerToken)).status).toBe(200);
    const [assignment] = await h.database.sql`
      select id from assignments where resident_id = ${id} and staff_id = ${carer.staffId}`;
    const removed = await h.request('DELETE', `/v1/assignments/${assignment?.id}`, { token: admin });
    expect(removed.status).toBe(204);
    const denied = await profile(id, carerToken);
    expect(denied.status).toBe(404);
    const otherOrg = await profile(id, await h.tokenFor('other', 'admin'));
    expect(otherOrg.status).toBe(404);
  });

  test('assignment and staff writes invalidate the profiles that show them', async () => {
    const id = h.orgs.own.residents[2]?.id ?? '';
    const manager = h.loginOf('own', 'manager');
    await profile(id);
    const assigned = await h.request('POST', '/v1/assignments', {
      token: admin,
      body: { staffId: manager.staffId, residentId: id, escalationOrder: 5 },
    });
    expect(assigned.status).toBe(201);
    const withManager = await profile(id);
    expect(withManager.headers.get('x-cache')).toBe('miss');
    expect(withManager.body.assignedStaff.map((person) => person.staffId)).toContain(manager.staffId);
    expect((await profile(id)).headers.get('x-cache')).toBe('hit');
    await h.request('PATCH', `/v1/staff/${manager.staffId}`, { token: admin, body: { name: 'Renamed Manager' } });
    const renamed = await profile(id);
    expect(renamed.headers.get('x-cache')).toBe('miss');
    expect(renamed.body.assignedStaff.find((person) => person.staffId === manager.staffId)?.name).toBe(
      'Renamed Manager',
    );
  });

  test('a caregiver finds the resident’s cameras in the profile; camera writes invalidate it', async () => {
    const id = h.orgs.own.residents[0]?.id ?? '';
    const carerToken = await h.tokenFor('own', 'caregiver');
    const first = await profile(id, carerToken);
    expect(first.status).toBe(200);
    expect(first.body.cameras).toEqual([
      {
        id: h.orgs.own.cameraId,
        name: 'Living room camera',
        room: 'living room',
        residentId: id,
        enabled: true,
        consent: true,
        eventMediaConsent: false,
      },
    ]);
    expect((await profile(id, carerToken)).headers.get('x-cache')).toBe('hit');
    const manager = await h.tokenFor('own', 'manager');
    const withdrawn = await h.request('PATCH', `/v1/cameras/${h.orgs.own.cameraId}`, {
      token: manager,
      body: { consentGivenBy: null, enabled: false },
    });
    expect(withdrawn.status).toBe(200);
    const after = await profile(id, carerToken);
    expect(after.headers.get('x-cache')).toBe('miss');
    expect(after.body.cameras).toEqual([expect.objectContaining({ consent: false, enabled: false })]);
    const added = await h.request<{ id: string }>('POST', '/v1/cameras', {
      token: manager,
      body: { residentId: id, name: 'Bedroom camera', room: 'bedroom', source: { type: 'test-pattern' } },
    });
    expect(added.status).toBe(201);
    const withTwo = await profile(id, carerToken);
    expect(withTwo.headers.get('x-cache')).toBe('miss');
    expect(withTwo.body.cameras.map((camera) => camera.name)).toEqual(['Bedroom camera', 'Living room camera']);
    expect((await h.request('DELETE', `/v1/cameras/${added.body.id}`, { token: manager })).status).toBe(204);
    const withOne = await profile(id, carerToken);
    expect(withOne.headers.get('x-cache')).toBe('miss');
    expect(withOne.body.cameras.map((camera) => camera.id)).toEqual([h.orgs.own.cameraId]);
    const otherResident = h.orgs.own.residents[2]?.id ?? '';
    expect((await profile(otherResident)).body.cameras).toEqual([]);
  });

  test('alert changes invalidate the profile: an SOS through ingest, then a resolve on a realtime node', async () => {
    const id = h.orgs.own.residents[2]?.id ?? '';
    const hub = h.orgs.own.hubs.find((entry) => entry.residentId === id);
    const button = hub?.devices.emergency_button;
    if (!hub || !button) throw new Error('seed has no emergency button for resident 2');
    await profile(id);
    const before = await profile(id);
    expect(before.headers.get('x-cache')).toBe('hit');
    expect(before.body.openAlerts.filter((alert) => alert.kind === 'sos')).toEqual([]);
    const ingest = await h.request<{ alerts: { alertId: string; kind: string; created: boolean }[] }>(
      'POST',
      '/v1/ingest/events',
      {
        headers: { authorization: `Bearer ${hub.apiKey}` },
        body: {
          events: [
            { eventId: `sos-${kind}`, deviceId: button, kind: 'emergency_button', time: new Date().toISOString() },
          ],
        },
      },
    );
    expect(ingest.status).toBe(200);
    const [raised] = ingest.body.alerts;
    expect(raised).toMatchObject({ kind: 'sos', created: true });
    // Ingest invalidates before it answers: the very next read shows the emergency.
    const after = await profile(id);
    expect(after.headers.get('x-cache')).toBe('miss');
    expect(after.body.openAlerts).toEqual([
      expect.objectContaining({ id: raised?.alertId, kind: 'sos', status: 'open' }),
    ]);
    // What the realtime node does when a caregiver resolves the alert: no API request, only the NOTIFY on commit.
    const manager = h.loginOf('own', 'manager');
    const resolution = await resolveAlert(h.database.sql, {
      alertId: raised?.alertId ?? '',
      identity: {
        staffId: manager.staffId,
        orgId: h.orgs.own.orgId,
        role: 'manager',
      },
      note: 'checked on the phone',
      nodeId: 'cache-test',
    });
    expect(resolution.outcome).toBe('resolved');
    // Well inside the 30 s TTL: only the notification can have dropped the cached profile.
    await expect
      .poll(async () => (await profile(id)).body.openAlerts.map((alert) => alert.id), { timeout: 5_000 })
      .not.toContain(raised?.alertId);
  });

  test('staff lists are cached per query and every staff write invalidates them', async () => {
    const list = () => h.request<{ items: { name: string }[] }>('GET', '/v1/staff?sort=name', { token: admin });
    expect((await list()).headers.get('x-cache')).toBe('miss');
    expect((await list()).headers.get('x-cache')).toBe('hit');
    const other = await h.request('GET', '/v1/staff?role=caregiver', { token: admin });
    expect(other.headers.get('x-cache')).toBe('miss');
    await h.request('POST', '/v1/staff', {
      token: admin,
      body: {
        name: 'Aaron New',
        email: `new-${kind}@north.carewatch.test`,
        role: 'caregiver',
        password: 'twelve chars ok',
      },
    });
    const after = await list();
    expect(after.headers.get('x-cache')).toBe('miss');
    expect(after.body.items.map((item) => item.name)).toContain('Aaron New');
    expect((await h.request('GET', '/v1/staff?role=caregiver', { token: admin })).headers.get('x-cache')).toBe('miss');
  });

  test('the typed Hono RPC client (AppType) reads a profile', async () => {
    const client = hc<AppType>(h.baseUrl, { headers: { authorization: `Bearer ${admin}` } });
    const id = h.orgs.own.residents[0]?.id ?? '';
    const response = await client.v1.residents[':id'].$get({ param: { id } });
    expect(response.status).toBe(200);
    if (response.status !== 200) return;
    const body = await response.json();
    expect(body.id).toBe(id);
    expect(Array.isArray(body.openAlerts)).toBe(true);
  });
});

describe.each([
  ['bridge up, Redis down', 'redis-down'],
  ['REST endpoint unreachable', 'endpoint-down'],
] as const)('cache outage (%s): the API stays correct and health says degraded', (_label, mode) => {
  let h: ApiHarness;
  let bridge: Bridge | undefined;
  beforeAll(async () => {
    bridge = mode === 'redis-down' ? await startTestBridge({ redisPort: 1 }) : undefined;
    h = await startApiHarness({
      UPSTASH_REDIS_REST_URL: bridge?.url ?? 'http://127.0.0.1:9',
      UPSTASH_REDIS_REST_TOKEN: bridge?.token ?? 'no-such-token',
      LOG_LEVEL: 'error',
    });
  });
  afterAll(async () => {
    await h.stop();
    await bridge?.close();
  });

  test('health is 200 "degraded" with the cache error', async () => {
    const health = await h.request('GET', '/healthz');
    expect(health.status).toBe(200);
    expect(health.body).toMatchObject({
      status: 'degraded',
      database: { ok: true },
      cache: { kind: 'upstash', ok: false },
    });
  });

  test('login, reads and writes work uncached and stay consistent', async () => {
    const admin = await h.tokenFor('own', 'admin');
    const id = h.orgs.own.residents[0]?.id ?? '';
    const first = await h.request<Profile>('GET', `/v1/residents/${id}`, { token: admin });
    expect(first.status).toBe(200);
    expect(first.headers.get('x-cache')).toBe('miss');
    const patched = await h.request('PATCH', `/v1/residents/${id}`, { token: admin, body: { phone: '010-4040-5050' } });
    expect(patched.status).toBe(200);
    const second = await h.request<Profile>('GET', `/v1/residents/${id}`, { token: admin });
    expect(second.headers.get('x-cache')).toBe('miss');
    expect(second.body.phone).toBe('010-4040-5050');
    const staff = await h.request('GET', '/v1/staff', { token: admin });
    expect(staff.status).toBe(200);
  });
});
