import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { resolveAlert } from '../db/alerts/resolve';
import { startBridgeProcess } from '../infra/redis-rest-bridge/testing';
import { type ApiHarness, request, startApiHarness } from '../infra/testing/api-harness';
import { testConfig } from '../infra/testing/functions';
import { type RunningFunctions, startFunctions } from './node';

type BridgeProcess = Awaited<ReturnType<typeof startBridgeProcess>>;
interface Profile {
  phone: string | null;
  openAlerts: { id: string; status: string }[];
  assignedStaff: { staffId: string }[];
}

/**
 * Two API servers on one database and one Redis, each through its own bridge process — two isolates that reach the
 * shared cache by different paths. Killing one bridge is an outage only that API sees; killing both is a full one.
 */
describe('the cache bridge killed mid-write, then back: nothing stale is served', () => {
  let h: ApiHarness;
  let bridgeA: BridgeProcess;
  let bridgeB: BridgeProcess;
  let apiB: RunningFunctions;
  let admin: string;
  beforeAll(async () => {
    bridgeA = await startBridgeProcess();
    bridgeB = await startBridgeProcess();
    h = await startApiHarness({
      UPSTASH_REDIS_REST_URL: bridgeA.url,
      UPSTASH_REDIS_REST_TOKEN: bridgeA.token,
      LOG_LEVEL: 'error',
    });
    apiB = await startFunctions(
      testConfig(h.database.url, {
        UPSTASH_REDIS_REST_URL: bridgeB.url,
        UPSTASH_REDIS_REST_TOKEN: bridgeB.token,
        LOG_LEVEL: 'error',
      }),
    );
    admin = await h.tokenFor('own', 'admin');
  });
  afterAll(async () => {
    await apiB?.close();
    await h?.stop();
    await bridgeA?.close();
    await bridgeB?.close();
  });

  const profileOn = (baseUrl: string, id: string) =>
    request<Profile>(baseUrl, 'GET', `/v1/residents/${id}`, { token: admin });
  const staffNamesOn = async (baseUrl: string) =>
    (
      await request<{ items: { name: string }[] }>(baseUrl, 'GET', '/v1/staff?sort=name&limit=100', { token: admin })
    ).body.items.map((person) => person.name);
  /** Reads twice on each API, so the second read of each is a hit on the shared cache. */
  const warm = async (id: string) => {
    for (const baseUrl of [h.baseUrl, apiB.url, h.baseUrl, apiB.url]) {
      await profileOn(baseUrl, id);
      await staffNamesOn(baseUrl);
    }
    expect((await profileOn(apiB.url, id)).headers.get('x-cache')).toBe('hit');
  };
  const generation = async () => {
    const [row] = await h.database.sql<{ generation: number }[]>`
      select cache_generation as generation from organisations where id = ${h.orgs.own.orgId}`;
    return row?.generation ?? 0;
  };

  test('one API cannot reach the cache: its writes answer, and the other API (cache reachable) reads them at once', async () => {
    const id = h.orgs.own.residents[0]?.id ?? '';
    await warm(id);
    await bridgeA.kill();
    const patched = await h.request('PATCH', `/v1/residents/${id}`, { token: admin, body: { phone: '010-1111-0001' } });
    expect(patched.status).toBe(200);
    const created = await h.request('POST', '/v1/staff', {
      token: admin,
      body: {
        name: 'Aaron Outage',
        email: 'aaron.outage@north.carewatch.test',
        role: 'caregiver',
        password: 'twelve chars ok',
      },
    });
    expect(created.status).toBe(201);
    // B's path to the cache never broke, and the cache still holds the old profile and list.
    expect((await profileOn(apiB.url, id)).body.phone).toBe('010-1111-0001');
    expect(await staffNamesOn(apiB.url)).toContain('Aaron Outage');
    await bridgeA.restart();
    for (const baseUrl of [h.baseUrl, apiB.url, h.baseUrl, apiB.url]) {
      expect((await profileOn(baseUrl, id)).body.phone).toBe('010-1111-0001');
      expect(await staffNamesOn(baseUrl)).toContain('Aaron Outage');
    }
  });

  test('the cache down for everyone while an alert opens and closes (NOTIFY watchers): fresh on both once it is back', async () => {
    const id = h.orgs.own.residents[2]?.id ?? '';
    const hub = h.orgs.own.hubs.find((entry) => entry.residentId === id);
    const button = hub?.devices.emergency_button;
    if (!hub || !button) throw new Error('seed has no emergency button for resident 2');
    const raised = await h.request<{ alerts: { alertId: string; kind: string }[] }>('POST', '/v1/ingest/events', {
      headers: { authorization: `Bearer ${hub.apiKey}` },
      body: {
        events: [{ eventId: 'outage-sos', deviceId: button, kind: 'emergency_button', time: new Date().toISOString() }],
      },
    });
    const alertId = raised.body.alerts.find((alert) => alert.kind === 'sos')?.alertId ?? '';
    await warm(id);
    expect((await profileOn(apiB.url, id)).body.openAlerts.map((alert) => alert.id)).toContain(alertId);
    await Promise.all([bridgeA.kill(), bridgeB.kill()]);
    const before = await generation();
    const manager = h.loginOf('own', 'manager');
    // What a realtime node does when a caregiver resolves: no API request, only the NOTIFY on commit.
    const resolution = await resolveAlert(h.database.sql, {
      alertId,
      identity: {
        staffId: manager.staffId,
        orgId: h.orgs.own.orgId,
        role: 'manager',
      },
      note: 'resolved while the cache was away',
      nodeId: 'outage-test',
    });
    expect(resolution.outcome).toBe('resolved');
    // Both watchers got the NOTIFY and could not invalidate: that much is recorded in PostgreSQL.
    await expect.poll(generation, { timeout: 10_000 }).toBeGreaterThan(before);
    await Promise.all([bridgeA.restart(), bridgeB.restart()]);
    for (const baseUrl of [h.baseUrl, apiB.url, h.baseUrl, apiB.url]) {
      expect((await profileOn(baseUrl, id)).body.openAlerts.map((alert) => alert.id)).not.toContain(alertId);
    }
  });

  test('SIGKILL of the bridge while writes are flowing: after it returns every read, on either API, is the last write', async () => {
    const residents = h.orgs.own.residents.map((resident) => resident.id);
    for (const id of residents) await warm(id);
    const written = new Map<string, string>();
    const writes = (async () => {
      for (let round = 0; round < 8; round++) {
        for (const [index, id] of residents.entries()) {
          const phone = `010-2${round}0${index}-0000`;
          const answer = await h.request('PATCH', `/v1/residents/${id}`, { token: admin, body: { phone } });
          expect(answer.status).toBe(200);
          written.set(id, phone);
        }
      }
    })();
    // Killed once the writes are under way: whichever write it lands in, its invalidation fails or succeeds.
    await expect.poll(() => written.size, { timeout: 10_000 }).toBeGreaterThan(0);
    await bridgeA.kill();
    await writes;
    await bridgeA.restart();
    for (const id of residents) {
      for (const baseUrl of [h.baseUrl, apiB.url, h.baseUrl, apiB.url]) {
        expect((await profileOn(baseUrl, id)).body.phone).toBe(written.get(id));
      }
    }
  });
});
